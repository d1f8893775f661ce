/* In-browser check of the signed payload a label's QR code puts in the URL fragment (#PCF1.<digits>).
 *
 * The fragment never reaches the server. This script decodes it (the digits are a big-endian number whose
 * bytes are a 0x01 sentinel and a COSE_Sign1 message, RFC 9052), fetches the registry's trust list, and checks
 * the Ed25519 signature with WebCrypto. It then compares the signed claim with the claim this page shows.
 * The format (prefix, claim keys, code tables) comes from the page (#payload-format), written by the server
 * from registry/payload.py; the texts come from #check-messages, translated by the server's catalogue.
 * Reason codes are those of `pcf verify` (registry/payload.py). Without JavaScript the page still shows the
 * server's verdict; this script only adds a line.
 */
(function () {
  "use strict";

  var box = document.getElementById("browser-check");

  // Keep the fragment (the payload) when switching language.
  Array.prototype.forEach.call(document.querySelectorAll("a[data-keep-fragment]"), function (a) {
    a.addEventListener("click", function () {
      if (location.hash) { a.href = a.href.split("#")[0] + location.hash; }
    });
  });

  if (!box) { return; }
  window.addEventListener("hashchange", function () { location.reload(); });  // a new payload: check it afresh
  var format = JSON.parse(document.getElementById("payload-format").textContent);
  var messages = JSON.parse(document.getElementById("check-messages").textContent);
  var pageClaim = JSON.parse(document.getElementById("page-claim").textContent);
  var fragment;
  try {
    fragment = decodeURIComponent(location.hash.slice(1)).trim();
  } catch (e) {
    fragment = location.hash.slice(1).trim();
  }
  if (fragment.slice(0, 3).toUpperCase() !== "PCF") { return; }

  function Invalid(reason, detail) {
    this.reason = reason;
    this.detail = detail || reason;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  // --- text -> bytes ----------------------------------------------------------------------------------------
  function textToCose(text) {
    var prefix = format.prefix;
    var head = text.slice(0, prefix.length).toUpperCase();
    if (head !== prefix.toUpperCase()) {
      throw new Invalid(head.indexOf("PCF") === 0 ? "unsupported-version" : "not-a-payload");
    }
    var digits = text.slice(prefix.length).replace(/\s+/g, "");
    if (!digits) { throw new Invalid("damaged-text"); }
    if (!/^[0-9]+$/.test(digits)) { throw new Invalid("bad-character"); }
    if (digits.length > 4000) { throw new Invalid("too-long"); }
    if (digits.charAt(0) === "0") { throw new Invalid("non-canonical-text"); }
    var hex = BigInt(digits).toString(16);
    if (hex.length % 2) { hex = "0" + hex; }
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) { bytes[i] = parseInt(hex.substr(2 * i, 2), 16); }
    if (bytes[0] !== format.sentinel) { throw new Invalid("damaged-text"); }
    return bytes.subarray(1);
  }

  // --- a strict decoder for the deterministic CBOR the registry writes (RFC 8949 section 4.2) ---------------
  function compareBytes(a, b) {
    if (a.length !== b.length) { return a.length - b.length; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return a[i] - b[i]; } }
    return 0;
  }

  function decodeCbor(bytes) {
    var pos = 0;
    var utf8 = new TextDecoder("utf-8", { fatal: true });
    function need(n) {
      if (typeof n !== "number" || pos + n > bytes.length) { throw new Invalid("malformed-cbor", "truncated"); }
    }
    function nonCanonical() { throw new Invalid("non-canonical-encoding", "not the shortest form"); }
    function head() {
      need(1);
      var initial = bytes[pos++];
      var major = initial >> 5;
      var info = initial & 31;
      var arg;
      if (info < 24) {
        arg = info;
      } else if (info === 24) {
        need(1); arg = bytes[pos]; pos += 1; if (arg < 24) { nonCanonical(); }
      } else if (info === 25) {
        need(2); arg = bytes[pos] * 256 + bytes[pos + 1]; pos += 2; if (arg < 256) { nonCanonical(); }
      } else if (info === 26) {
        need(4);
        arg = ((bytes[pos] * 256 + bytes[pos + 1]) * 256 + bytes[pos + 2]) * 256 + bytes[pos + 3];
        pos += 4; if (arg < 65536) { nonCanonical(); }
      } else if (info === 27) {
        need(8);
        var big = BigInt(0);
        for (var i = 0; i < 8; i++) { big = big * BigInt(256) + BigInt(bytes[pos + i]); }
        pos += 8;
        if (big < BigInt(4294967296)) { nonCanonical(); }
        arg = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      } else {
        throw new Invalid("malformed-cbor", "indefinite length or reserved value");
      }
      return [major, arg];
    }
    function item(depth) {
      if (depth > 16) { throw new Invalid("malformed-cbor", "nested too deeply"); }
      var h = head();
      var major = h[0];
      var arg = h[1];
      var i;
      switch (major) {
        case 0: return arg;
        case 1: return typeof arg === "bigint" ? -BigInt(1) - arg : -1 - arg;
        case 2: need(arg); pos += arg; return bytes.slice(pos - arg, pos);
        case 3:
          need(arg); pos += arg;
          try { return utf8.decode(bytes.subarray(pos - arg, pos)); } catch (e) { throw new Invalid("malformed-cbor", "bad UTF-8"); }
        case 4: {
          if (typeof arg !== "number" || arg > bytes.length) { throw new Invalid("malformed-cbor"); }
          var list = [];
          for (i = 0; i < arg; i++) { list.push(item(depth + 1)); }
          return list;
        }
        case 5: {
          if (typeof arg !== "number" || arg > bytes.length) { throw new Invalid("malformed-cbor"); }
          var map = new Map();
          var previous = null;
          for (i = 0; i < arg; i++) {
            var start = pos;
            var key = item(depth + 1);
            var keyBytes = bytes.subarray(start, pos);
            if (previous !== null && compareBytes(previous, keyBytes) >= 0) {
              throw new Invalid("non-canonical-encoding", "map keys out of order or repeated");
            }
            previous = keyBytes;
            map.set(key, item(depth + 1));
          }
          return map;
        }
        case 6: return { tag: arg, value: item(depth + 1) };
        default:
          if (arg === 20) { return false; }
          if (arg === 21) { return true; }
          if (arg === 22) { return null; }
          throw new Invalid("wrong-structure", "a value the format does not use");
      }
    }
    var value = item(0);
    if (pos !== bytes.length) { throw new Invalid("trailing-data"); }
    return value;
  }

  function encodeHead(major, n) {
    if (n < 24) { return [(major << 5) | n]; }
    if (n < 256) { return [(major << 5) | 24, n]; }
    if (n < 65536) { return [(major << 5) | 25, n >> 8, n & 255]; }
    return [(major << 5) | 26, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  }

  function sigStructure(protectedBytes, payload) {
    // ["Signature1", protected, h'', payload]
    var parts = [[0x84], encodeHead(3, 10), Array.from(new TextEncoder().encode("Signature1")),
      encodeHead(2, protectedBytes.length), Array.from(protectedBytes), [0x40],
      encodeHead(2, payload.length), Array.from(payload)];
    return new Uint8Array([].concat.apply([], parts));
  }

  function hex(bytes) {
    return Array.from(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  function isBytes(v) { return v instanceof Uint8Array; }

  // --- the claim --------------------------------------------------------------------------------------------
  function pad(n, width) { var s = String(n); while (s.length < width) { s = "0" + s; } return s; }

  function isoDay(days) {
    if (typeof days !== "number" || days < 0) { throw new Invalid("invalid-claim", "a date"); }
    return new Date(days * 86400000).toISOString().slice(0, 10);
  }

  function coded(table) {
    return function (v) {
      if (typeof v === "number" && table[String(v)] !== undefined) { return table[String(v)]; }
      if (typeof v === "string") { return v; }
      throw new Invalid("invalid-claim", "unknown code " + v);
    };
  }

  function hexId(prefix) {
    return function (v) {
      if (isBytes(v) && v.length) { return prefix + "_" + hex(v); }
      if (typeof v === "string") { return v; }
      throw new Invalid("invalid-claim", "an id");
    };
  }

  function text(v) { if (typeof v !== "string") { throw new Invalid("invalid-claim", "a text"); } return v; }
  function uint(v) { if (typeof v !== "number" || v < 0) { throw new Invalid("invalid-claim", "a number"); } return v; }
  function hash(v) { if (!isBytes(v)) { throw new Invalid("invalid-claim", "a hash"); } return hex(v); }

  var FIELDS = {
    label_id: function (v) {
      if (typeof v === "number") {
        return format.label_prefix + "-" + pad(Math.floor(v / 1e6), 4) + "-" + pad(v % 1e6, 6);
      }
      return text(v);
    },
    version: uint, issued_at: uint, value: text, declared_unit: text, factor_release: text, model: text,
    product_id: hexId("prd"), certifier_id: hexId("org"),
    gtin: function (v) { if (typeof v !== "number") { throw new Invalid("invalid-claim", "a GTIN"); } return pad(v, 14); },
    unit: coded(format.units), boundary: coded(format.boundaries), method: coded(format.methods),
    factor_release_sha256: hash, input_sha256: hash,
    valid_from: isoDay, valid_until: isoDay
  };

  function decodeClaim(map) {
    if (!(map instanceof Map)) { throw new Invalid("invalid-claim", "the claim is not a map"); }
    var byKey = {};
    Object.keys(format.keys).forEach(function (name) { byKey[format.keys[name]] = name; });
    var claim = {};
    map.forEach(function (value, key) {
      var name = byKey[key];
      if (name === undefined) { throw new Invalid("invalid-claim", "unknown claim key " + key); }
      claim[name] = FIELDS[name] ? FIELDS[name](value) : value;
    });
    if (claim.valid_from === undefined && format.keys.valid_from !== undefined && claim.issued_at !== undefined) {
      claim.valid_from = isoDay(Math.floor(claim.issued_at / 86400));
    }
    ["label_id", "version", "value", "issued_at", "valid_until"].forEach(function (name) {
      if (claim[name] === undefined && format.keys[name] !== undefined) {
        throw new Invalid("invalid-claim", name + " is missing");
      }
    });
    return claim;
  }

  function decodePayload(payloadText) {
    var top = decodeCbor(textToCose(payloadText));
    if (!top || top.tag !== 18) { throw new Invalid("wrong-structure", "not a COSE_Sign1 message"); }
    var parts = top.value;
    if (!Array.isArray(parts) || parts.length !== 4) { throw new Invalid("wrong-structure"); }
    if (!(isBytes(parts[0]) && parts[1] instanceof Map && isBytes(parts[2]) && isBytes(parts[3]))) {
      throw new Invalid("wrong-structure");
    }
    var header = decodeCbor(parts[0]);
    if (!(header instanceof Map)) { throw new Invalid("bad-header"); }
    if (header.get(1) !== -8) { throw new Invalid("unsupported-algorithm"); }
    var kid = header.get(4);
    if (header.size !== 2 || parts[1].size !== 0 || !isBytes(kid) || kid.length !== 8) {
      throw new Invalid("bad-header");
    }
    var claim = decodeClaim(decodeCbor(parts[2]));
    claim.key_id = hex(kid);
    return { claim: claim, signed: sigStructure(parts[0], parts[2]), signature: parts[3] };
  }

  function base64url(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    return Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
  }

  function urlMismatch(claim) {
    var segments = location.pathname.split("/").map(function (s) {
      try { return decodeURIComponent(s); } catch (e) { return s; }
    });
    for (var i = 0; i + 1 < segments.length; i++) {
      var key = segments[i];
      var value = segments[i + 1];
      if (key.toLowerCase() === "l" && value.toLowerCase() !== String(claim.label_id).toLowerCase()) {
        return true;
      }
      if (key === "01" && /^[0-9]+$/.test(value) && pad(value, 14) !== claim.gtin) { return true; }
    }
    return false;
  }

  function verify(payloadText) {
    var decoded;
    try {
      decoded = decodePayload(payloadText);
    } catch (e) {
      return Promise.reject(e instanceof Invalid ? e : new Invalid("malformed-cbor", String(e)));
    }
    var claim = decoded.claim;
    return fetch(box.getAttribute("data-trust-list"), { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Invalid("invalid-trust-list", "HTTP " + r.status); }
        return r.json();
      })
      .then(function (trust) {
        var entry = (trust.keys || []).filter(function (k) { return k.key_id === claim.key_id; })[0];
        if (!entry) { throw new Invalid("unknown-key"); }
        if ((entry.purpose || "labels") !== "labels") { throw new Invalid("wrong-key-purpose"); }
        if (entry.status === "revoked") { throw new Invalid("key-revoked"); }
        return crypto.subtle.importKey("raw", base64url(entry.public_key), { name: "Ed25519" }, false, ["verify"])
          .then(function (key) {
            return crypto.subtle.verify({ name: "Ed25519" }, key, decoded.signature, decoded.signed);
          }, function () { throw new Invalid("unavailable"); })
          .then(function (ok) {
            if (!ok) { throw new Invalid("bad-signature"); }
            if (claim.issued_at < entry.not_before) { throw new Invalid("key-not-yet-valid"); }
            if (entry.not_after !== null && entry.not_after !== undefined && claim.issued_at >= entry.not_after) {
              throw new Invalid("key-retired");
            }
            if (claim.certifier_id !== undefined && claim.certifier_id !== entry.certifier_id) {
              throw new Invalid("certifier-mismatch");
            }
            if (urlMismatch(claim)) { throw new Invalid("url-mismatch"); }
            claim.certifier_id = entry.certifier_id;
            return { claim: claim, certifier: entry.certifier_name };
          });
      });
  }

  function differences(claim) {
    var out = [];
    Object.keys(claim).forEach(function (name) {
      if (!(name in pageClaim)) { return; }
      var signed = claim[name];
      var shown = pageClaim[name];
      var same = /_sha256$/.test(name) && typeof shown === "string" && typeof signed === "string"
        ? shown.indexOf(signed) === 0 && signed.length >= 32
        : String(signed) === String(shown === null ? undefined : shown);
      if (!same) { out.push(name); }
    });
    return out;
  }

  var result = box.querySelector(".check-result");
  var match = box.querySelector(".check-match");
  box.hidden = false;
  verify(fragment).then(function (ok) {
    // A genuine signature is not a valid label: only an active label gets the green "valid" (issue 16).
    var inForce = box.getAttribute("data-status") === "active";
    box.classList.add(inForce ? "check-valid" : "check-genuine");
    box.setAttribute("data-result", inForce ? "valid" : "genuine");
    result.textContent = inForce ? messages.valid : messages.genuine_not_in_force;
    box.querySelector(".check-signer").textContent = fill(messages.signed_by, { certifier: ok.certifier, key_id: ok.claim.key_id });
    if (ok.claim.label_id !== pageClaim.label_id) {
      match.textContent = fill(messages.other_label, { label_id: ok.claim.label_id, shown: pageClaim.label_id });
      return;
    }
    var diff = differences(ok.claim);
    match.textContent = diff.length ? fill(messages.differs, { fields: diff.join(", ") }) : messages.matches;
    if (diff.length) { box.classList.add("check-differs"); }
  }, function (e) {
    var reason = e instanceof Invalid ? e.reason : "error";
    if (reason === "unavailable") {
      box.setAttribute("data-result", "unavailable");
      result.textContent = messages.unavailable;
      return;
    }
    box.classList.add("check-invalid");
    box.setAttribute("data-result", "invalid");
    result.textContent = fill(messages.invalid, { reason: reason });
    match.textContent = messages.invalid_hint;
  });
}());
