import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type RawTensor } from '../../src/io/safetensors.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors-file.js';

/** Build a file from a header given as a raw string (not padded) and a data buffer. */
function buildFile(header: string, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

function expectDecodeError(bytes: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes, 'weights.safetensors');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.name).toBe('SafetensorsError');
  expect(err.message).toMatch(/^weights\.safetensors: /);
  expect(err.message).not.toContain('\n');
  expect(err.message).toMatch(pattern);
}

describe('encode/decode round trip', () => {
  const tensors: Record<string, RawTensor> = {
    weight: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-7, -Infinity]) },
    bias: { dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -0, 1e300]) },
    labels: { dtype: 'I32', shape: [2, 2], data: new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]) },
    scale: { dtype: 'F32', shape: [], data: new Float32Array([0.5]) },
    empty: { dtype: 'F64', shape: [0, 4], data: new Float64Array(0) },
  };

  it('restores every tensor exactly', () => {
    const { tensors: back, metadata } = decodeSafetensors(encodeSafetensors(tensors));
    expect(metadata).toEqual({});
    expect(Object.keys(back)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const r = back[name]!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data).toBeInstanceOf(t.data.constructor);
      expect(Array.from(r.data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(back.bias!.data[1], -0)).toBe(true);
  });

  it('round-trips metadata', () => {
    const metadata = { format: 'pt', note: 'héllo "world"\nline two', empty: '' };
    const back = decodeSafetensors(encodeSafetensors({ s: tensors.scale! }, metadata));
    expect(back.metadata).toEqual(metadata);
  });

  it('encodes subarray views and decodes into aligned arrays from an unaligned buffer', () => {
    const base = new Float64Array([9, 1, 2, 3]);
    const bytes = encodeSafetensors({
      c: { dtype: 'I32', shape: [1], data: new Int32Array([7]) }, // pushes the F64 to a 4-mod-8 offset
      v: { dtype: 'F64', shape: [3], data: base.subarray(1) },
    });
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const { tensors: back } = decodeSafetensors(shifted);
    expect(Array.from(back.v!.data)).toEqual([1, 2, 3]);
    expect(back.v!.data.byteOffset % 8).toBe(0);
  });
});

describe('byte layout', () => {
  it('writes a space-padded header of length 8k and contiguous data in insertion order', () => {
    const bytes = encodeSafetensors(
      {
        x: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) },
        y: { dtype: 'I32', shape: [], data: new Int32Array([-5]) },
        z: { dtype: 'F64', shape: [2], data: new Float64Array([0.25, 4]) },
      },
      { k: 'v' },
    );
    const { length, text } = headerOf(bytes);
    expect(length % 8).toBe(0);
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"k":"v"},' +
        '"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' +
        '"y":{"dtype":"I32","shape":[],"data_offsets":[12,16]},' +
        '"z":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}',
    );
    expect(/^[^ ]*} *$/.test(text)).toBe(true); // only trailing spaces as padding
    expect(bytes.length).toBe(8 + length + 32);

    const data = new DataView(bytes.buffer, 8 + length);
    expect([0, 4, 8].map((o) => data.getFloat32(o, true))).toEqual([1, 2, 3]);
    expect(data.getInt32(12, true)).toBe(-5);
    expect([16, 24].map((o) => data.getFloat64(o, true))).toEqual([0.25, 4]);
  });

  // What PyTorch's safetensors.torch.save_file({"a": torch.tensor([1.0, 2.0])}) writes:
  // a 54-byte compact JSON header padded with 2 spaces to 56 (0x38), then two F32s.
  const torchBytes = new Uint8Array([
    0x38, 0, 0, 0, 0, 0, 0, 0,
    ...new TextEncoder().encode('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  '),
    0x00, 0x00, 0x80, 0x3f, // 1.0f
    0x00, 0x00, 0x00, 0x40, // 2.0f
  ]);

  it('decodes the bytes PyTorch would write', () => {
    expect(torchBytes.length).toBe(72);
    const { tensors, metadata } = decodeSafetensors(torchBytes, 'torch.safetensors');
    expect(metadata).toEqual({});
    expect(Object.keys(tensors)).toEqual(['a']);
    expect(tensors.a!.dtype).toBe('F32');
    expect(tensors.a!.shape).toEqual([2]);
    expect(tensors.a!.data).toEqual(new Float32Array([1, 2]));
  });

  it('encodes to the same bytes PyTorch would write', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    expect(bytes).toEqual(torchBytes);
  });
});

describe('decode validation', () => {
  const f32 = (n: number) => new Uint8Array(new Float32Array(n).buffer);
  const one = (entry: string, data = f32(2)) => buildFile(`{"t":${entry}}`, data);

  it('rejects a file shorter than 8 bytes', () => {
    expectDecodeError(new Uint8Array(5), /shorter than/);
    expectDecodeError(new Uint8Array(0), /shorter than/);
  });

  it('rejects a header length beyond the file size', () => {
    expectDecodeError(buildFile('{}', new Uint8Array(0), 3n), /beyond the file size/);
    expectDecodeError(buildFile('{}', new Uint8Array(0), 2n ** 64n - 1n), /beyond the file size/);
  });

  it('rejects a header that is not JSON or not an object', () => {
    expectDecodeError(buildFile('{"t": '), /not valid UTF-8 JSON/);
    expectDecodeError(buildFile(''), /not valid UTF-8 JSON/);
    expectDecodeError(buildFile('[1, 2]'), /not a JSON object/);
    expectDecodeError(buildFile('null'), /not a JSON object/);
    const badUtf8 = buildFile('{"\u00e9":1}');
    badUtf8[10] = 0xff;
    expectDecodeError(badUtf8, /not valid UTF-8 JSON/);
  });

  it('rejects a header entry that is not an object', () => {
    expectDecodeError(buildFile('{"t": 3}'), /tensor "t": header entry is not an object/);
  });

  it('rejects an unsupported dtype, naming dtype and tensor', () => {
    expectDecodeError(
      one('{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}'),
      /unsupported dtype "BF16" for tensor "t"/,
    );
    expectDecodeError(one('{"shape":[2],"data_offsets":[0,8]}'), /unsupported dtype "undefined" for tensor "t"/);
  });

  it('reads I64, PyTorch\'s default integer type, as I32, and names a value that does not fit', () => {
    const i64 = (...values: bigint[]) => new Uint8Array(new BigInt64Array(values).buffer);
    const { tensors } = decodeSafetensors(one('{"dtype":"I64","shape":[3],"data_offsets":[0,24]}', i64(3n, -(2n ** 31n), 2n ** 31n - 1n)));
    expect(tensors.t).toEqual({ dtype: 'I32', shape: [3], data: new Int32Array([3, -(2 ** 31), 2 ** 31 - 1]) });
    expectDecodeError(one('{"dtype":"I64","shape":[2],"data_offsets":[0,16]}', i64(0n, 2n ** 31n)), /tensor "t": I64 value 2147483648 does not fit in int32/);
  });

  it('rejects a bad shape', () => {
    for (const shape of ['[-1]', '[1.5]', '"2"', '[2, "x"]', 'null']) {
      expectDecodeError(one(`{"dtype":"F32","shape":${shape},"data_offsets":[0,8]}`), /tensor "t": shape/);
    }
  });

  it('rejects malformed data_offsets', () => {
    for (const offsets of ['[0]', '[0,8,9]', '[-8,0]', '"0,8"', '[0,8.5]']) {
      expectDecodeError(
        one(`{"dtype":"F32","shape":[2],"data_offsets":${offsets}}`),
        /tensor "t": data_offsets is not a pair/,
      );
    }
  });

  it('rejects data_offsets inconsistent with shape and dtype', () => {
    expectDecodeError(one('{"dtype":"F32","shape":[2],"data_offsets":[0,4]}'), /needs 8/);
    expectDecodeError(one('{"dtype":"F64","shape":[2],"data_offsets":[0,8]}'), /needs 16/);
    expectDecodeError(one('{"dtype":"F32","shape":[2],"data_offsets":[8,0]}'), /tensor "t": data_offsets \[8, 0\]/);
  });

  it('rejects data_offsets outside the buffer', () => {
    expectDecodeError(one('{"dtype":"F32","shape":[2],"data_offsets":[4,12]}'), /outside the 8-byte data buffer/);
  });

  it('rejects overlapping tensors', () => {
    const header =
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    expectDecodeError(buildFile(header, f32(3)), /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/);
  });

  it('accepts an empty tensor placed inside another tensor', () => {
    const header =
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"e":{"dtype":"I32","shape":[0],"data_offsets":[4,4]}}';
    const { tensors } = decodeSafetensors(buildFile(header, f32(2)));
    expect(tensors.e!.data).toEqual(new Int32Array(0));
  });

  it('rejects non-string metadata values', () => {
    expectDecodeError(buildFile('{"__metadata__":{"epoch":3}}'), /metadata value for "epoch" is not a string/);
    expectDecodeError(buildFile('{"__metadata__":["x"]}'), /__metadata__ is not an object/);
  });

  it('keeps messages on one line even for names with newlines', () => {
    expectDecodeError(
      buildFile('{"bad\\nname":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}', new Uint8Array(1)),
      /unsupported dtype "U8" for tensor "bad\\nname"/,
    );
  });

  it('uses a default name when none is given', () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(/^<buffer>: /);
  });
});

describe('encode validation', () => {
  const bad = (t: unknown, pattern: RegExp, metadata?: unknown) => {
    const call = () =>
      encodeSafetensors(t as Record<string, RawTensor>, metadata as Record<string, string> | undefined);
    expect(call).toThrow(SafetensorsError);
    expect(call).toThrow(pattern);
  };

  it('rejects data length not matching the shape', () => {
    bad({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }, /tensor "w": data length 3 does not match shape \[2, 2\] \(4 elements\)/);
    bad({ s: { dtype: 'F32', shape: [], data: new Float32Array(0) } }, /tensor "s": data length 0/);
  });

  it('rejects a dtype that does not match the typed array', () => {
    bad({ w: { dtype: 'F64', shape: [2], data: new Float32Array(2) } }, /dtype F64 needs a Float64Array, got Float32Array/);
    bad({ w: { dtype: 'I32', shape: [1], data: [1] } }, /needs a Int32Array, got Array/);
  });

  it('rejects unsupported dtypes, bad shapes, the reserved name and non-string metadata', () => {
    bad({ w: { dtype: 'F16', shape: [1], data: new Float32Array(1) } }, /unsupported dtype "F16" for tensor "w"/);
    bad({ w: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } }, /shape must be/);
    bad({ __metadata__: { dtype: 'F32', shape: [], data: new Float32Array(1) } }, /reserved/);
    bad({}, /metadata value for "n" is not a string/, { n: 1 });
  });
});

describe('files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nabla-safetensors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const tensors = (x: number): Record<string, RawTensor> => ({
    x: { dtype: 'F32', shape: [2], data: new Float32Array([x, x + 1]) },
  });

  it('saves and loads, replacing an existing file and leaving no temp file', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'old contents');
    saveSafetensors(path, tensors(1), { step: '1' });
    saveSafetensors(path, tensors(5), { step: '2' });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    const { tensors: back, metadata } = loadSafetensors(path);
    expect(back.x!.data).toEqual(new Float32Array([5, 6]));
    expect(metadata).toEqual({ step: '2' });
  });

  it('creates missing parent directories', async () => {
    const path = join(dir, 'a', 'b', 'c', 'm.safetensors');
    saveSafetensors(path, tensors(0));
    expect((loadSafetensors(path)).tensors.x!.data).toEqual(new Float32Array([0, 1]));
  });

  it('leaves the existing file and no temp file when encoding fails', async () => {
    const path = join(dir, 'keep.safetensors');
    saveSafetensors(path, tensors(1));
    const before = await readFile(path);
    const broken: Record<string, RawTensor> = { x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } };
    expect(() => saveSafetensors(path, broken)).toThrow(new RegExp(`^${escape(path)}: tensor "x"`));
    expect(await readdir(dir)).toEqual(['keep.safetensors']);
    expect(await readFile(path)).toEqual(before);
  });

  it('removes the temp file when the rename fails', async () => {
    const path = join(dir, 'target');
    saveSafetensors(join(path, 'inner.safetensors'), tensors(1)); // make `path` a non-empty directory
    expect(() => saveSafetensors(path, tensors(2))).toThrow();
    expect(await readdir(dir)).toEqual(['target']);
  });

  it('reports a missing file as "FILE: no such file"', async () => {
    const path = join(dir, 'missing.safetensors');
    expect(() => loadSafetensors(path)).toThrow(SafetensorsError);
    expect(() => loadSafetensors(path)).toThrow(`${path}: no such file`);
  });

  it('names the path in decode errors', async () => {
    const path = join(dir, 'truncated.safetensors');
    await writeFile(path, new Uint8Array([1, 2, 3]));
    expect(() => loadSafetensors(path)).toThrow(new RegExp(`^${escape(path)}: file is 3 bytes`));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
