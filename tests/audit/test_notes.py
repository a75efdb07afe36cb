"""C2SP signed notes and checkpoints: the published Go vector, round trips, tampering."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.audit import (
    Checkpoint,
    InMemorySubtreeHashes,
    NoteFormatError,
    NoteSignatureError,
    NoteSigner,
    NoteVerifier,
    leaf_hash,
    note_key_id,
    open_checkpoint,
    open_note,
    sign_checkpoint,
)

# The example of golang.org/x/mod/sumdb/note (its package documentation and note_test.go),
# the reference implementation of c2sp.org/signed-note: signer key, verifier key, text and
# the signed note it produces. Ed25519 is deterministic (RFC 8032), so signing must
# reproduce the note byte for byte.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ORIGIN = "accord.example/log"


def go_signer() -> NoteSigner:
    # PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || 32-byte seed)>; the base64 may hold '+'.
    encoded = GO_SIGNER_KEY.split("+", 4)[4]
    seed = base64.b64decode(encoded)
    assert seed[0] == 1
    return NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed[1:]))


@pytest.fixture(scope="module")
def log_signer() -> NoteSigner:
    return NoteSigner(ORIGIN, Ed25519PrivateKey.generate())


def test_signing_reproduces_the_go_reference_note() -> None:
    signer = go_signer()
    assert signer.verifier.vkey == GO_VERIFIER_KEY
    assert signer.verifier.key_id.hex() == "c74f20a3"
    assert signer.sign(GO_TEXT) == GO_NOTE


def test_the_go_reference_note_opens_with_its_verifier_key() -> None:
    verifier = NoteVerifier.from_vkey(GO_VERIFIER_KEY)
    assert open_note(GO_NOTE, [verifier]) == GO_TEXT
    assert open_note(GO_NOTE.encode("utf-8"), [verifier]) == GO_TEXT


def test_a_changed_text_fails_the_go_reference_signature() -> None:
    verifier = NoteVerifier.from_vkey(GO_VERIFIER_KEY)
    with pytest.raises(NoteSignatureError, match="PeterNeumann"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), [verifier])


def test_verifier_key_whose_base64_holds_a_plus_sign() -> None:
    # From transparency-dev/formats note tests: the key material's base64 contains '+'.
    verifier = NoteVerifier.from_vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert verifier.name == "TEST" and verifier.key_id.hex() == "7997405c"


def test_key_id_is_sha256_of_name_newline_type_and_key() -> None:
    verifier = NoteVerifier.from_vkey(GO_VERIFIER_KEY)
    assert note_key_id("PeterNeumann", verifier.public_key) == bytes.fromhex("c74f20a3")


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "says key id"),
        ("PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not an Ed25519"),
        ("PeterNeumann+c74f20a3", "is not <name>"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "lowercase hex"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"),
    ],
)
def test_mangled_verifier_keys_are_refused(vkey: str, message: str) -> None:
    with pytest.raises(NoteFormatError, match=message):
        NoteVerifier.from_vkey(vkey)


def test_checkpoint_text_is_the_c2sp_layout(log_signer: NoteSigner) -> None:
    root = bytes(range(32))
    checkpoint = Checkpoint(ORIGIN, 20852163, root)
    assert checkpoint.text == f"{ORIGIN}\n20852163\n{base64.b64encode(root).decode()}\n"
    note = sign_checkpoint(checkpoint, log_signer)
    body, signature_line = note.split("\n\n")
    assert body + "\n" == checkpoint.text
    assert signature_line.startswith(f"\u2014 {ORIGIN} ")
    blob = base64.b64decode(signature_line.split(" ")[2])
    assert blob[:4] == log_signer.verifier.key_id and len(blob) == 4 + 64


def test_signed_checkpoint_of_a_real_tree_round_trips(log_signer: NoteSigner) -> None:
    store = InMemorySubtreeHashes.from_leaf_hashes(leaf_hash(b"%d" % n) for n in range(1000))
    checkpoint = Checkpoint(ORIGIN, store.size, store.compact_range.root)
    note = sign_checkpoint(checkpoint, log_signer)
    published = NoteVerifier.from_vkey(log_signer.verifier.vkey)
    assert open_checkpoint(note, published) == checkpoint


def _change_root_hash(note: str) -> str:
    origin, size, root, rest = note.split("\n", 3)
    changed = ("B" if root[0] == "A" else "A") + root[1:]
    return "\n".join([origin, size, changed, rest])


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda note: note.replace("\n1000\n", "\n999\n"), id="tree-size"),
        pytest.param(lambda note: note.replace(ORIGIN, "accord.example/logs", 1), id="origin"),
        pytest.param(_change_root_hash, id="root-hash"),
    ],
)
def test_any_change_to_a_signed_checkpoint_is_detected(log_signer: NoteSigner, tamper) -> None:
    checkpoint = Checkpoint(ORIGIN, 1000, bytes(range(32)))
    note = sign_checkpoint(checkpoint, log_signer)
    tampered = tamper(note)
    assert tampered != note
    with pytest.raises(NoteSignatureError):
        open_checkpoint(tampered, log_signer.verifier)


def test_checkpoint_signed_by_another_key_is_refused(log_signer: NoteSigner) -> None:
    impostor = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), impostor)
    with pytest.raises(NoteSignatureError, match="no signature by a known key"):
        open_checkpoint(note, log_signer.verifier)


def test_unknown_cosignatures_are_ignored_and_a_bad_known_one_rejects(
    log_signer: NoteSigner,
) -> None:
    checkpoint = Checkpoint(ORIGIN, 5, bytes(32))
    witness = NoteSigner("witness.example/w1", Ed25519PrivateKey.generate())
    note = sign_checkpoint(checkpoint, log_signer) + witness.signature_line(checkpoint.text) + "\n"
    assert open_checkpoint(note, log_signer.verifier) == checkpoint
    assert open_note(note, [witness.verifier]) == checkpoint.text
    # A second line that claims the log key but carries a wrong signature rejects the note.
    forged = log_signer.signature_line(Checkpoint(ORIGIN, 6, bytes(32)).text)
    with pytest.raises(NoteSignatureError, match="invalid"):
        open_checkpoint(note + forged + "\n", log_signer.verifier)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("accord.example/log\n1\nAAAA\n", "no blank line"),
        ("a\n\n-- a AAAAAAAAAAA=\n", "em dash"),
        ("a\n\n\u2014 a AAAAAAAAAAA=", "no blank line"),
        ("a\r\n\n\u2014 a AAAAAAAAAAA=\n", "control characters"),
        ("a\n\n\u2014 a AAAA\n", "shorter than key id"),
        ("a\n\n\u2014 a A*AA\n", "base64"),
    ],
)
def test_malformed_notes_are_refused(note: str, message: str, log_signer: NoteSigner) -> None:
    with pytest.raises(NoteFormatError, match=message):
        open_note(note, [log_signer.verifier])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("accord.example/log\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "leading zeros"),
        ("accord.example/log\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "leading zeros"),
        ("accord.example/log\n1\nAAAA\n", "32"),
        ("accord.example/log\n1\n", "at least three lines"),
    ],
)
def test_malformed_checkpoint_texts_are_refused(text: str, message: str) -> None:
    with pytest.raises(NoteFormatError, match=message):
        Checkpoint.from_text(text)


def test_checkpoint_must_be_signed_under_its_origin(log_signer: NoteSigner) -> None:
    with pytest.raises(NoteFormatError, match="differs from the signing key name"):
        sign_checkpoint(Checkpoint("other.example/log", 1, bytes(32)), log_signer)
