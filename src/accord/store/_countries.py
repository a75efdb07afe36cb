"""ISO 3166-1 country codes: which two- and three-letter codes a partner's country may be.

The officially assigned codes below are facts of ISO 3166-1 (249 entries, alpha-2 followed
by alpha-3, as assigned in 2025). They are kept here by
hand because no permissively licensed library ships them among Accord's dependencies:
`pycountry` is LGPL-2.1 and `iso3166` (MIT) is not installed; switching to the latter is a
one-function change. The user-assigned ranges (ISO 3166-1 section 5.3: AA, QM-QZ, XA-XZ,
ZZ and their alpha-3 counterparts) are valid too: no state will ever have them, which is
why the demo coalition uses XA-XD. Exceptionally or transitionally reserved codes (EU, UK,
SU, ...) are not countries and are refused.
"""

from __future__ import annotations

import re

__all__ = ["country_code_problem", "is_iso_country_code"]

#: Officially assigned codes as alpha-2 + alpha-3 (`ADAND` is AD / AND), sorted.
_ASSIGNED = """
    ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW
    AXALA AZAZE BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN
    BOBOL BQBES BRBRA BSBHS BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG
    CHCHE CICIV CKCOK CLCHL CMCMR CNCHN COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE
    DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP ETETH FIFIN
    FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF GGGGY GHGHA GIGIB GLGRL
    GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD HNHND HRHRV
    HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM
    JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO
    LBLBN LCLCA LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE
    MFMAF MGMDG MHMHL MKMKD MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS
    MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL
    NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI
    PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA SASAU SBSLB SCSYC SDSDN
    SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD STSTP SVSLV
    SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON
    TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN
    VGVGB VIVIR VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE
"""
_ALPHA_2 = frozenset(pair[:2] for pair in _ASSIGNED.split())
_ALPHA_3 = frozenset(pair[2:] for pair in _ASSIGNED.split())
#: ISO 3166-1 section 5.3: codes left to users, never assigned to a country.
_USER_ASSIGNED = re.compile(r"AA|Q[M-Z]|X[A-Z]|ZZ|AA[A-Z]|Q[M-Z][A-Z]|X[A-Z]{2}|ZZ[A-Z]")


def is_iso_country_code(code: str) -> bool:
    """True for an officially assigned or user-assigned ISO 3166-1 alpha-2 or alpha-3 code."""
    return code in _ALPHA_2 or code in _ALPHA_3 or _USER_ASSIGNED.fullmatch(code) is not None


def country_code_problem(code: str) -> str | None:
    """Why `code` is not a country code Accord accepts, with the fix; None when it is one."""
    if is_iso_country_code(code):
        return None
    if code.upper() != code and is_iso_country_code(code.upper()):
        return f"country code {code!r} is ISO 3166-1 only in upper case: give {code.upper()!r}"
    if not re.fullmatch(r"[A-Z]{2,3}", code):
        return (
            f"country code {code!r} is not ISO 3166-1; give two or three upper-case letters "
            "such as 'FR' or 'FRA' (or none for an international body)"
        )
    return (
        f"country code {code!r} is not an assigned ISO 3166-1 code; give the state's "
        "alpha-2 or alpha-3 code (such as 'FR' or 'FRA'), a user-assigned code (XA-XZ) "
        "for a fictional or private entity, or none for an international body"
    )
