/** The TFRecord checksum is CRC-32C (Castagnoli), not zlib's CRC-32: the standard check value pins it. */
import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../../src/main/train/tensorboard.js';

describe('TFRecord checksums', () => {
  it('crc32c("123456789") is the Castagnoli check value 0xE3069283', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  });
  it('masks as TensorFlow does: rotate right by 15, add 0xa282ead8', () => {
    const c = 0xe3069283;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });
});
