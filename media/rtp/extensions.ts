/**
 * RTP header extension elements (RFC 8285): the one-byte (profile 0xBEDE) and two-byte (0x100x)
 * forms inside the RFC 3550 extension block that `./packet.ts` exposes as `extensionProfile` +
 * `extensionData`. Reading walks the bytes once and never throws; writing packs elements and pads
 * to a 32-bit boundary.
 */

/** The "defined by profile" value of the one-byte form. */
export const ONE_BYTE_PROFILE = 0xbede;
/** The two-byte form is 0x100 in the top 12 bits; the low 4 bits are "appbits". */
export const TWO_BYTE_PROFILE = 0x1000;

export type RtpExtensionForm = 'one-byte' | 'two-byte';

/** One extension element: its local id and its data (a view into the packet when parsed). */
export interface RtpExtensionElement {
  id: number;
  data: Uint8Array;
}

/** Which RFC 8285 form a profile value announces; null for other (RFC 3550 generic) profiles. */
export function extensionForm(profile: number): RtpExtensionForm | null {
  if (profile === ONE_BYTE_PROFILE) return 'one-byte';
  if ((profile & 0xfff0) === TWO_BYTE_PROFILE) return 'two-byte';
  return null;
}

/**
 * Visit each element of an RFC 8285 extension block, in order, without allocating: `visit(id,
 * offset, length)` gets the element's data position in `data`; return true from it to stop early.
 * Returns false when the block is not RFC 8285 or an element runs past the end (elements before
 * the bad one have been visited); true otherwise.
 */
export function walkRtpExtensions(
  profile: number,
  data: Uint8Array,
  visit: (id: number, offset: number, length: number) => boolean | void,
): boolean {
  const form = extensionForm(profile);
  if (form === null) return false;
  const n = data.length;
  let i = 0;
  if (form === 'one-byte') {
    while (i < n) {
      const b = data[i]!;
      if (b === 0) {
        i++; // padding
        continue;
      }
      const id = b >> 4;
      if (id === 15) return true; // reserved: stop parsing (RFC 8285 §4.2)
      const len = (b & 0x0f) + 1;
      if (i + 1 + len > n) return false;
      if (visit(id, i + 1, len) === true) return true;
      i += 1 + len;
    }
    return true;
  }
  while (i < n) {
    const id = data[i]!;
    if (id === 0) {
      i++; // padding
      continue;
    }
    if (i + 2 > n) return false;
    const len = data[i + 1]!;
    if (i + 2 + len > n) return false;
    if (visit(id, i + 2, len) === true) return true;
    i += 2 + len;
  }
  return true;
}

/**
 * All elements of an RFC 8285 extension block (data are views into `data`), or null when the
 * profile is not RFC 8285 or the block is malformed.
 */
export function parseRtpExtensions(profile: number, data: Uint8Array): RtpExtensionElement[] | null {
  const out: RtpExtensionElement[] = [];
  const ok = walkRtpExtensions(profile, data, (id, off, len) => {
    out.push({ id, data: data.subarray(off, off + len) });
  });
  return ok ? out : null;
}

/** The data of element `id` (a view), or null when absent, malformed or not RFC 8285. */
export function findRtpExtension(profile: number, data: Uint8Array, id: number): Uint8Array | null {
  const form = extensionForm(profile);
  if (form === null) return null;
  // Inline walk (no closure) since this sits on the per-packet path.
  const n = data.length;
  let i = 0;
  while (i < n) {
    const b = data[i]!;
    if (b === 0) {
      i++;
      continue;
    }
    let eid: number;
    let len: number;
    let start: number;
    if (form === 'one-byte') {
      eid = b >> 4;
      if (eid === 15) return null;
      len = (b & 0x0f) + 1;
      start = i + 1;
    } else {
      if (i + 2 > n) return null;
      eid = b;
      len = data[i + 1]!;
      start = i + 2;
    }
    if (start + len > n) return null;
    if (eid === id) return data.subarray(start, start + len);
    i = start + len;
  }
  return null;
}

/** The form needed for these elements: one-byte unless an id > 14 or a length outside 1–16. */
export function formFor(elements: readonly RtpExtensionElement[]): RtpExtensionForm {
  for (const e of elements) if (e.id > 14 || e.data.length === 0 || e.data.length > 16) return 'two-byte';
  return 'one-byte';
}

/** Bytes `writeRtpExtensions` will write (padded to a multiple of 4). */
export function rtpExtensionsSize(elements: readonly RtpExtensionElement[], form: RtpExtensionForm): number {
  let n = 0;
  for (const e of elements) n += (form === 'one-byte' ? 1 : 2) + e.data.length;
  return (n + 3) & ~3;
}

/**
 * Pack elements into `out` (zero padding to a 32-bit boundary); returns the bytes written. Pair
 * the result with `extensionProfile` = ONE_BYTE_PROFILE / TWO_BYTE_PROFILE in `writeRtp`.
 * Throws RangeError for ids/lengths the form cannot carry or when `out` is too small.
 */
export function writeRtpExtensions(
  out: Uint8Array,
  elements: readonly RtpExtensionElement[],
  form: RtpExtensionForm = formFor(elements),
): number {
  const total = rtpExtensionsSize(elements, form);
  if (total > out.length) throw new RangeError(`extension block needs ${total} bytes`);
  let o = 0;
  for (const { id, data } of elements) {
    if (form === 'one-byte') {
      if (id < 1 || id > 14) throw new RangeError(`one-byte extension id ${id} out of 1..14`);
      if (data.length < 1 || data.length > 16) throw new RangeError('one-byte extension length out of 1..16');
      out[o++] = (id << 4) | (data.length - 1);
    } else {
      if (id < 1 || id > 255) throw new RangeError(`two-byte extension id ${id} out of 1..255`);
      if (data.length > 255) throw new RangeError('two-byte extension length out of 0..255');
      out[o++] = id;
      out[o++] = data.length;
    }
    out.set(data, o);
    o += data.length;
  }
  out.fill(0, o, total);
  return total;
}
