/*
 * Sunlit — verifying a proof bundle in the owner's own browser.
 *
 * The server hands over a bundle (sunlit-proof-bundle/v1): the signed checkpoint, the log
 * entries about one object and an inclusion proof for each. This script decides, with the
 * browser's WebCrypto only (SHA-256, Ed25519) and nothing taken on the server's word, whether
 *
 *   1. the log's note verifier key shown on the page is well formed: name+keyid+base64(0x01||key),
 *      key ID = SHA-256(name || 0x0A || 0x01 || key)[:4], and the name is the log's origin;
 *   2. the checkpoint is a C2SP signed note carrying a valid Ed25519 signature by that key;
 *   3. its body is a C2SP tlog-checkpoint (origin, size, base64 root) for that origin;
 *   4. each entry hashes to its leaf hash, SHA-256(0x00 || entry), is about this object, and
 *      its inclusion proof leads to the checkpoint's root (RFC 9162 §2.1.3.2).
 *
 * Other signature lines of the note (witness cosignatures) are listed, not verified here.
 * Messages come from the page (json_script "sunlit-verify-messages"), so they are translated.
 */
(function () {
  "use strict";
  if (window.sunlitVerify) return;

  const BUNDLE_FORMAT = "sunlit-proof-bundle/v1";
  const ALG_ED25519 = 0x01;
  const encoder = new TextEncoder();
  let config = { messages: {}, labels: {} };

  // --- messages ------------------------------------------------------------------------------

  function msg(key, params) {
    const text = config.messages[key] || key;
    return text.replace(/\{(\w+)\}/g, (all, name) =>
      params && params[name] !== undefined ? String(params[name]) : all);
  }

  class VerifyError extends Error {
    constructor(key, params) {
      super(key);
      this.key = key;
      this.params = params || {};
    }
  }

  function fail(key, params) {
    throw new VerifyError(key, params);
  }

  // --- bytes -----------------------------------------------------------------------------------

  const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

  function b64encode(bytes) {
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  /** Standard, canonical base64 (as Go and the server write it), or null. */
  function b64decode(text) {
    if (typeof text !== "string" || !B64_RE.test(text)) return null;
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return b64encode(out) === text ? out : null; // no stray bits in the padding
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function equal(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  const leafHash = (entry) => sha256(concat(Uint8Array.of(0x00), entry));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(0x01), left, right));

  // --- the note verifier key (C2SP signed-note) --------------------------------------------

  async function parseVerifierKey(vkey) {
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    if (first <= 0 || second < 0) fail("bad_key");
    const name = vkey.slice(0, first);
    const idHex = vkey.slice(first + 1, second);
    const raw = b64decode(vkey.slice(second + 1));
    if (/\s/.test(name) || !/^[0-9a-f]{8}$/.test(idHex) || !raw || raw.length !== 33
        || raw[0] !== ALG_ED25519) {
      fail("bad_key");
    }
    const publicKey = raw.slice(1);
    const digest = await sha256(concat(encoder.encode(name), Uint8Array.of(0x0a, ALG_ED25519),
                                       publicKey));
    const keyId = digest.slice(0, 4);
    if (hex(keyId) !== idHex) fail("key_id_mismatch");
    let key;
    try {
      key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false,
                                          ["verify"]);
    } catch (e) {
      fail("no_ed25519");
    }
    return { name, keyId, key, vkey };
  }

  // --- the signed note and the checkpoint body -------------------------------------------

  function splitNote(note) {
    if (typeof note !== "string") fail("bad_note");
    for (const ch of note) {
      if (ch < " " && ch !== "\n") fail("bad_note");
    }
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0) fail("bad_note");
    const text = note.slice(0, cut + 1);
    const block = note.slice(cut + 2);
    if (!block || !block.endsWith("\n")) fail("bad_note");
    const signatures = block.slice(0, -1).split("\n").map((line) => {
      if (!line.startsWith("\u2014 ")) fail("bad_note");
      const rest = line.slice(2);
      const space = rest.indexOf(" ");
      const name = rest.slice(0, space);
      const raw = b64decode(rest.slice(space + 1));
      if (space <= 0 || /[\s+]/.test(name) || !raw || raw.length < 5) fail("bad_note");
      return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
    });
    return { text, signatures };
  }

  function parseCheckpoint(text) {
    const lines = text.split("\n"); // the text ends with a newline: the last item is ""
    if (lines.length < 4 || !lines[0]) fail("bad_checkpoint");
    if (!/^(0|[1-9][0-9]{0,18})$/.test(lines[1])) fail("bad_checkpoint");
    const root = b64decode(lines[2]);
    if (!root || root.length !== 32) fail("bad_checkpoint");
    return { origin: lines[0], size: BigInt(lines[1]), root };
  }

  // --- RFC 9162 §2.1.3.2: verifying an inclusion proof --------------------------------------

  async function rootFromInclusionProof(index, size, leaf, proof) {
    if (index >= size) return null;
    let fn = index;
    let sn = size - 1n;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0n) return null; // too long
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n ? r : null; // too short otherwise
  }

  // --- the whole bundle ----------------------------------------------------------------------

  /**
   * Verifies ``bundle`` for the object and key the page names (``expected``: vkey, origin,
   * subjectType, subjectId). Returns what was verified; throws VerifyError saying what failed.
   */
  async function verifyBundle(bundle, expected) {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) fail("no_crypto");
    const key = await parseVerifierKey(expected.vkey);
    if (key.name !== expected.origin) fail("key_origin_mismatch");
    if (!bundle || typeof bundle !== "object" || bundle.format !== BUNDLE_FORMAT) fail("not_bundle");
    const subject = bundle.subject || {};
    if (subject.type !== expected.subjectType || String(subject.id) !== expected.subjectId) {
      fail("wrong_subject");
    }
    const pending = Number.isSafeInteger(bundle.pending) ? bundle.pending : 0;
    if (!bundle.checkpoint) fail("no_checkpoint");

    const note = splitNote(bundle.checkpoint);
    const isLogKey = (s) => s.name === key.name && equal(s.keyId, key.keyId);
    const own = note.signatures.filter(isLogKey);
    if (!own.length) fail("no_signature");
    const signed = encoder.encode(note.text);
    for (const s of own) {
      const valid = s.signature.length === 64
        && await crypto.subtle.verify({ name: "Ed25519" }, key.key, s.signature, signed);
      if (!valid) fail("bad_signature");
    }
    const checkpoint = parseCheckpoint(note.text);
    if (checkpoint.origin !== key.name) fail("origin_mismatch");

    const entries = Array.isArray(bundle.entries) ? bundle.entries : [];
    if (!entries.length) fail(pending ? "no_checkpoint" : "no_entries");
    const verified = [];
    for (const item of entries) {
      const index = item && item.index;
      if (!Number.isSafeInteger(index) || index < 0 || typeof item.leaf !== "string") {
        fail("not_bundle");
      }
      const hash = await leafHash(encoder.encode(item.leaf));
      if (!equal(b64decode(item.leaf_hash), hash)) fail("leaf_hash_mismatch", { index });
      let event;
      try {
        event = JSON.parse(item.leaf);
      } catch (e) {
        fail("leaf_unreadable", { index });
      }
      const about = event && event.subject;
      if (!about || about.type !== subject.type || about.id !== String(subject.id)) {
        fail("leaf_other_subject", { index });
      }
      const proof = Array.isArray(item.inclusion_proof) ? item.inclusion_proof.map(b64decode) : [null];
      if (proof.some((p) => !p || p.length !== 32)) fail("inclusion_failed", { index });
      const root = await rootFromInclusionProof(BigInt(index), checkpoint.size, hash, proof);
      if (!equal(root, checkpoint.root)) fail("inclusion_failed", { index });
      verified.push({ index, event });
    }
    const cosignatures = note.signatures.filter((s) => !isLogKey(s)).map((s) => ({
      name: s.name,
      keyId: hex(s.keyId),
      // tlog-cosignature/v1: 8-byte big-endian timestamp, then the Ed25519 signature
      time: s.signature.length === 72
        ? new Date(Number(new DataView(s.signature.buffer, s.signature.byteOffset, 8)
          .getBigUint64(0)) * 1000) : null,
    }));
    return { key, checkpoint, entries: verified, cosignatures, pending };
  }

  // --- the page ------------------------------------------------------------------------------

  function element(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, value);
    for (const child of children) el.append(child);
    return el;
  }

  function formatTime(text) {
    return typeof text === "string" ? text.slice(0, 19).replace("T", " ") : "";
  }

  function showVerified(out, result) {
    const size = result.checkpoint.size.toString();
    const indexes = result.entries.map((e) => e.index);
    const verdict = indexes.length === 1
      ? msg("ok_one", { index: indexes[0], size })
      : msg("ok_many", { count: indexes.length, indexes: indexes.join(msg("list_separator")), size });
    const details = element("dl", { class: "row mb-0 mt-2 small text-body" });
    const add = (term, value, cls) => {
      details.append(element("dt", { class: "col-4 col-sm-3 fw-normal text-secondary" }, term));
      details.append(element("dd", { class: `col-8 col-sm-9 mb-1 ${cls || ""}` }, value));
    };
    add(msg("label_checkpoint"), msg("checkpoint_value", { origin: result.checkpoint.origin, size }),
        "text-break");
    add(msg("label_root"), b64encode(result.checkpoint.root), "text-break font-monospace");
    for (const entry of result.entries) {
      const type = entry.event.type || "";
      add(msg("label_entry", { index: entry.index }),
          `${config.labels[type] || type} · ${formatTime(entry.event.time)}`);
    }
    add(msg("label_key"), result.key.vkey, "text-break font-monospace");
    if (result.cosignatures.length) {
      const list = element("ul", { class: "list-unstyled mb-0", "data-testid": "cosignatures" });
      for (const c of result.cosignatures) {
        const when = c.time ? ` · ${c.time.toISOString().slice(0, 19).replace("T", " ")} UTC` : "";
        list.append(element("li", {}, `${c.name}${when}`));
      }
      add(msg("label_cosignatures"), list);
      details.append(element("dd", { class: "col-12 text-secondary" }, msg("cosignatures_note")));
    }
    const alert = element("div", { class: "alert alert-success mb-0", "data-testid": "proof-verdict",
                                   "data-verdict": "ok" },
                          element("div", { class: "fw-bold" }, verdict), details);
    if (result.pending) alert.append(element("div", { class: "small mt-1" },
                                             msg("pending", { count: result.pending })));
    out.replaceChildren(alert);
  }

  function showFailure(out, error) {
    const reason = error instanceof VerifyError ? msg(error.key, error.params)
      : msg("unexpected", { detail: String(error && error.message || error) });
    const waiting = error instanceof VerifyError && error.key === "no_checkpoint";
    out.replaceChildren(element(
      "div", { class: `alert ${waiting ? "alert-info" : "alert-danger"} mb-0`,
               "data-testid": "proof-verdict", "data-verdict": waiting ? "pending" : "failed" },
      waiting ? reason : msg("failed", { reason })));
  }

  async function fetchBundle(url) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin",
                                    headers: { Accept: "application/json" } });
    } catch (e) {
      fail("fetch_failed", { status: msg("network") });
    }
    if (!response.ok) fail("fetch_failed", { status: `HTTP ${response.status}` });
    try {
      return await response.json();
    } catch (e) {
      fail("not_bundle");
    }
  }

  async function verifyOn(box, button) {
    const out = box.querySelector("[data-proof-result]");
    out.hidden = false;
    out.replaceChildren(element("div", { class: "text-secondary small" }, msg("verifying")));
    button.disabled = true;
    try {
      const bundle = await fetchBundle(box.dataset.bundleUrl);
      const result = await verifyBundle(bundle, {
        vkey: box.dataset.verifierKey, origin: box.dataset.origin,
        subjectType: box.dataset.subjectType, subjectId: box.dataset.subjectId,
      });
      showVerified(out, result);
    } catch (error) {
      showFailure(out, error);
    } finally {
      button.disabled = false;
    }
  }

  function init() {
    const data = document.getElementById("sunlit-verify-messages");
    if (data) config = JSON.parse(data.textContent);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-proof-verify]");
    if (!button) return;
    const box = button.closest("[data-proof]");
    if (box) verifyOn(box, button);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  window.sunlitVerify = { verifyBundle, rootFromInclusionProof, parseVerifierKey, VerifyError };
})();
