/*
 * What the page checks itself, with WebCrypto only (SHA-256 and Ed25519):
 * signed notes (C2SP signed-note), witness cosignatures (C2SP
 * tlog-cosignature v1.0.1), receipts (c2sp.org/tlog-proof@v1) and Merkle
 * inclusion proofs (RFC 9162 section 2.1.3.2, leaf = SHA-256(0x00 || entry),
 * node = SHA-256(0x01 || L || R), /work/shared/tlog-formats.md). Nothing
 * here trusts the server: every answer is recomputed from the bytes it
 * sent and the keys the agreement names.
 */
const enc = new TextEncoder();

export const b64bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const b64 = (b) => btoa(String.fromCharCode(...b));

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function cat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export const leafHash = (entry) => sha256(cat(Uint8Array.of(0), entry));
const nodeHash = (l, r) => sha256(cat(Uint8Array.of(1), l, r));

/* name+hexid+base64(type || key): a key name has no "+" (signed-note). */
export function parseVkey(vkey) {
  const parts = vkey.split("+");
  if (parts.length < 3) return null;
  try {
    const raw = b64bytes(parts.slice(2).join("+"));
    return { name: parts[0], id: parts[1].toLowerCase(), type: raw[0], pk: raw.slice(1), vkey };
  } catch (err) {
    return null;
  }
}

export async function ed25519Verify(pk, sig, msg) {
  try {
    const key = await crypto.subtle.importKey("raw", pk, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
  } catch (err) {
    return null; /* no Ed25519 in this browser's WebCrypto (or no WebCrypto) */
  }
}

/*
 * A signed note: the text (ending in a newline), a blank line, then one
 * "— name base64(keyid || sig)" line per signature. The split is made on
 * the bytes so that the signed message is exactly what was signed.
 */
export function parseNote(bytes) {
  const text = new TextDecoder().decode(bytes);
  const cut = text.lastIndexOf("\n\n");
  if (cut < 0) return null;
  const body = text.slice(0, cut + 1);
  const sigs = [];
  for (const line of text.slice(cut + 2).split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    try { sigs.push({ name: m[1], blob: b64bytes(m[2]) }); } catch (err) { /* not base64: ignored */ }
  }
  return { text, body, bodyBytes: enc.encode(body), sigs };
}

/* The "key: value" lines of an armistice entry (docs/entries.md). */
export function entryFields(body) {
  const f = {};
  const lines = body.split("\n");
  f.header = lines[0];
  for (const line of lines.slice(1)) {
    const m = /^([a-z][a-z0-9_-]*): ?(.*)$/.exec(line);
    if (m && f[m[1]] === undefined) f[m[1]] = m[2];
  }
  return f;
}

/* Checks each signature of a note against the keys given (vkey strings). */
export async function checkNoteSigs(note, vkeys) {
  const keys = vkeys.map(parseVkey).filter(Boolean);
  const out = [];
  for (const s of note.sigs) {
    const k = keys.find((k) => k.name === s.name && s.blob.length >= 4 && hex(s.blob.slice(0, 4)) === k.id);
    if (!k) { out.push({ name: s.name, key: null, ok: null }); continue; }
    let sig = s.blob.slice(4);
    let msg = note.bodyBytes;
    if (k.type === 4 && s.blob.length === 76) {
      const ts = new DataView(s.blob.buffer, s.blob.byteOffset + 4, 8).getBigUint64(0);
      msg = enc.encode(`cosignature/v1\ntime ${ts}\n${note.body}`);
      sig = s.blob.slice(12);
    }
    out.push({ name: s.name, key: `${k.name}+${k.id}`, ok: await ed25519Verify(k.pk, sig, msg) });
  }
  return out;
}

/* c2sp.org/tlog-proof@v1: header, optional extra, index, hashes, blank, checkpoint. */
export function parseProof(text) {
  const cut = text.indexOf("\n\n");
  if (cut < 0 || !text.startsWith("c2sp.org/tlog-proof@v1\n")) return null;
  const lines = text.slice(0, cut).split("\n").slice(1);
  let i = 0;
  let extra = null;
  if (lines[i] && lines[i].startsWith("extra ")) extra = lines[i++].slice(6);
  const m = /^index (\d+)$/.exec(lines[i++] || "");
  if (!m) return null;
  const hashes = [];
  for (; i < lines.length; i++) hashes.push(b64bytes(lines[i]));
  const checkpoint = text.slice(cut + 2);
  return { index: Number(m[1]), extra, hashes, checkpoint };
}

export function parseCheckpoint(text) {
  const lines = text.split("\n");
  return { origin: lines[0], size: Number(lines[1]), root: lines[2], rootBytes: b64bytes(lines[2] || "") };
}

/* RFC 9162 2.1.3.2: the root that leaf `index` and `proof` give in a tree of `size`. */
export async function rootFromInclusion(index, size, leaf, proof) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function quorumMet(log, ok) {
  const groups = new Map(log.groups.map((g) => [g.id, g]));
  const met = (id, depth) => {
    if (ok.has(id)) return ok.get(id);
    const g = groups.get(id);
    if (!g || depth > 64) return false;
    return g.members.filter((m) => met(m, depth + 1)).length >= g.threshold;
  };
  if (log.quorum.kind === "none") return true;
  if (log.quorum.kind === "count") return [...ok.values()].filter(Boolean).length >= log.quorum.n;
  return met(log.quorum.group, 0);
}

/*
 * Who cosigned a checkpoint. The witnesses and their cosigner keys come
 * from the agreement (state.agreement.log); each cosignature line is
 * matched to a witness by key name and 4-byte key id, then its Ed25519
 * signature is checked over "cosignature/v1\ntime T\n" and the checkpoint
 * body. A browser without Ed25519 in WebCrypto gets key-id matching only,
 * and the page says so.
 */
export async function checkWitnesses(ck, log) {
  if (!log || !log.witnesses.length) return null;
  const note = parseNote(enc.encode(ck));
  const sigs = note ? note.sigs : [];
  const body = note ? note.body : ck;
  const rows = [];
  let signatureChecked = true;
  for (const w of log.witnesses) {
    const k = parseVkey(w.key);
    const row = { id: w.id, key: k ? `${k.name}+${k.id}` : w.key, check: "missing" };
    const sig = k && sigs.find((s) => s.name === k.name && s.blob.length === 76 && hex(s.blob.slice(0, 4)) === k.id);
    if (sig) {
      const ts = new DataView(sig.blob.buffer, sig.blob.byteOffset + 4, 8).getBigUint64(0);
      const msg = enc.encode(`cosignature/v1\ntime ${ts}\n${body}`);
      const v = await ed25519Verify(k.pk, sig.blob.slice(12), msg);
      row.check = v === true ? "verified" : v === false ? "bad" : "key-id";
      if (v === null) signatureChecked = false;
      row.time = Number(ts);
    }
    rows.push(row);
  }
  const ok = new Map(rows.map((r) => [r.id, r.check === "verified" || r.check === "key-id"]));
  return { rows, got: rows.filter((r) => ok.get(r.id)).length, met: quorumMet(log, ok),
    rule: log.quorum.rule, signatureChecked };
}

/* Every verifier key written in the agreement's YAML (name+hexid+base64). */
export function vkeysIn(yaml) {
  return [...yaml.matchAll(/[A-Za-z0-9._/:-]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*/g)].map((m) => m[0]);
}

/* tlog-tiles entry bundle path: tile/entries/<N>[.p/<W>], N in x-prefixed 3-digit groups. */
export function tilePath(n, w) {
  let s = String(n % 1000).padStart(3, "0");
  for (let k = Math.floor(n / 1000); k > 0; k = Math.floor(k / 1000)) s = `x${String(k % 1000).padStart(3, "0")}/${s}`;
  return `/tile/entries/${s}${w && w < 256 ? `.p/${w}` : ""}`;
}

/* An entry bundle: u16 big-endian length || entry, repeated. */
export function splitBundle(buf) {
  const b = new Uint8Array(buf);
  const out = [];
  for (let o = 0; o + 2 <= b.length;) {
    const n = (b[o] << 8) | b[o + 1];
    out.push(b.slice(o + 2, o + 2 + n));
    o += 2 + n;
  }
  return out;
}
