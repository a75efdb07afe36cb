// In-browser verification of an audit entry's inclusion proof (RFC 9162, section 2.1.3.2),
// hashing with the browser's WebCrypto SHA-256: the page trusts no hash the server computed.
// Written by hand: the algorithm is a dozen lines and no front-end library does exactly it.
"use strict";

(function () {
  const fetchForm = document.getElementById("fetch-proof");
  if (!fetchForm) return;
  const panel = document.getElementById("verification");
  const result = document.getElementById("verify-result");
  const proofForm = document.getElementById("proof-form");
  const entryText = document.getElementById("entry-json");
  const sizeInput = document.getElementById("tree-size-input");
  const rootInput = document.getElementById("root-input");
  const proofList = document.getElementById("proof-hashes");
  let entryBytes = null;
  let entrySeq = null;

  function fromBase64(text) {
    const binary = atob(text.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function toBase64(bytes) {
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }

  async function sha256(...parts) {
    const length = parts.reduce((n, p) => n + p.length, 0);
    const joined = new Uint8Array(length);
    let at = 0;
    for (const p of parts) { joined.set(p, at); at += p.length; }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  }

  const LEAF = new Uint8Array([0]);
  const NODE = new Uint8Array([1]);

  function equal(a, b) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }

  // RFC 9162 section 2.1.3.2; returns [ok, reason].
  async function verifyInclusion(leafHash, leafIndex, treeSize, proof, root) {
    if (leafIndex >= treeSize) return [false, "the entry number is not below the tree size"];
    for (const p of [root, ...proof]) {
      if (p.length !== 32) return [false, "a hash is not 32 bytes long"];
    }
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    for (const p of proof) {
      if (sn === 0) return [false, "the proof is longer than the tree is deep"];
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(NODE, p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(NODE, r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) return [false, "the proof is shorter than the tree is deep"];
    if (!equal(r, root)) return [false, "the recomputed root differs from the signed root"];
    return [true, ""];
  }

  function say(ok, text) {
    result.textContent = text;
    result.className = "result " + (ok ? "ok" : "failed");
    result.dataset.state = ok ? "verified" : "failed";
  }

  async function verifyShown() {
    try {
      const proof = Array.from(proofList.querySelectorAll("input")).map((i) => fromBase64(i.value));
      const root = fromBase64(rootInput.value);
      const size = Number(sizeInput.value);
      const leafHash = await sha256(LEAF, entryBytes);
      const [ok, reason] = await verifyInclusion(leafHash, entrySeq, size, proof, root);
      if (ok) {
        say(true, `Verified: entry ${entrySeq} is included in the signed tree of ${size} entries ` +
          `(leaf hash ${toBase64(leafHash)}).`);
      } else {
        say(false, `Verification failed: ${reason}. Do not trust this entry; report it to the ` +
          "log's operators with the entry number.");
      }
    } catch (error) {
      say(false, `Verification failed: a value is not valid base64 (${error.message}). Reload to start again.`);
    }
  }

  async function fetchAndVerify(seq) {
    result.textContent = "Fetching the entry and its proof…";
    result.className = "result";
    delete result.dataset.state;
    panel.hidden = false;
    const checkpointResponse = await fetch("/audit/checkpoint", { headers: { Accept: "application/json" } });
    if (!checkpointResponse.ok) throw new Error(`the checkpoint could not be read (HTTP ${checkpointResponse.status})`);
    const checkpoint = await checkpointResponse.json();
    // The root must be the one the signed note carries (its third line), not a loose value.
    const noteRoot = checkpoint.note.split("\n")[2];
    if (noteRoot !== checkpoint.root_hash) throw new Error("the checkpoint's root differs from its signed note");
    const entryResponse = await fetch(`/audit/entries/${seq}?tree_size=${checkpoint.tree_size}`);
    if (!entryResponse.ok) {
      const problem = await entryResponse.json().catch(() => ({}));
      throw new Error(problem.detail || `HTTP ${entryResponse.status}`);
    }
    const entry = await entryResponse.json();
    entryBytes = fromBase64(entry.entry);
    const parsed = JSON.parse(new TextDecoder().decode(entryBytes));
    if (parsed.seq !== seq) throw new Error(`the server returned entry ${parsed.seq}, not ${seq}`);
    entrySeq = seq;
    entryText.value = new TextDecoder().decode(entryBytes);
    sizeInput.value = String(checkpoint.tree_size);
    rootInput.value = checkpoint.root_hash;
    proofList.replaceChildren();
    entry.inclusion_proof.forEach((hash, i) => {
      const item = document.createElement("li");
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.id = `proof-${i}`;
      input.type = "text";
      input.spellcheck = false;
      input.value = hash;
      label.htmlFor = input.id;
      label.textContent = `Proof hash ${i + 1}`;
      item.append(label, input);
      proofList.append(item);
    });
    await verifyShown();
  }

  fetchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const seq = Number(document.getElementById("seq").value);
    fetchAndVerify(seq).catch((error) => say(false, `Could not verify entry ${seq}: ${error.message}.`));
  });
  proofForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (entryBytes !== null) verifyShown();
  });
})();
