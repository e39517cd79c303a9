/**
 * The one interface every slide reader implements. Coordinates follow OpenSlide:
 * readRegion's x, y are level-0 pixels; w, h are pixels at the requested level.
 */
import { DomainError } from '../errors.js';
export interface SlideLevel {
  width: number;
  height: number;
  downsample: number;
}

export interface SlideMetadata {
  /** Short format id, e.g. "aperio", "hamamatsu", "generic-tiff", "dicom", "png". */
  format: string;
  /** Human readable vendor/scanner, or null when unknown. */
  vendor: string | null;
  width: number;
  height: number;
  levels: SlideLevel[];
  /** Micrometres per pixel at level 0, or null when the file does not say. */
  mpp: { x: number; y: number } | null;
  objectivePower: number | null;
  /** Every property the file carries, as strings (OpenSlide's names where it is the reader). */
  properties: Record<string, string>;
  /** Names of associated images: "label", "macro", "thumbnail", ... */
  associatedImages: string[];
}

/** One band of 16-bit samples, row-major. */
export interface Grey16Image {
  width: number;
  height: number;
  data: Uint16Array;
}

/** Raw RGBA pixels, row-major, 4 bytes per pixel, non-premultiplied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Buffer;
}

export interface SlideReader {
  readonly path: string;
  readonly metadata: SlideMetadata;
  /** Which reader backs this slide ("openslide", "sharp", "dicom"). */
  readonly readerName: string;
  /**
   * Read a w x h region at `level`, top-left at level-0 pixel (x, y). Areas outside
   * the slide come back transparent (alpha 0), as OpenSlide does. Never decodes a whole level.
   */
  readRegion(level: number, x: number, y: number, w: number, h: number): Promise<RgbaImage>;
  readAssociatedImage(name: string): Promise<RgbaImage>;
  /**
   * Slides that keep each channel apart (QPTIFF, multi-channel OME-TIFF: a page per channel) say
   * how many; their regions show the first channel only. Absent where the pixels carry every channel.
   */
  readonly channelCount?: number;
  /** Bits per sample of each channel kept apart, in channel order: 16 where the file stores 16-bit samples, else 8. */
  readonly channelBits?: readonly (8 | 16)[];
  /** A reader whose pixels are channel `index` alone, as grey (same size; its own pyramid levels). */
  channel?(index: number): Promise<SlideReader>;
  /**
   * A 16-bit channel's samples exactly, one band (its readRegion gives their top 8 bits); areas
   * outside the slide are 0. Only channel readers of 16-bit channels have it.
   */
  readRegion16?(level: number, x: number, y: number, w: number, h: number): Promise<Grey16Image>;
  close(): void;
}

/** A file no reader can open, or a reader failure, with a message fit for the user. */
export class SlideError extends DomainError {
  constructor(
    message: string,
    override readonly code: 'unsupported' | 'corrupt' | 'not-found' | 'too-large' | 'unavailable' | 'bad-request',
  ) {
    super(code === 'bad-request' ? 'invalid-input' : code, message, code);
    this.name = 'SlideError';
  }
}

export const SUPPORTED_FORMATS =
  'Aperio SVS, Hamamatsu NDPI, MIRAX MRXS, Leica SCN, Ventana BIF, Philips and generic tiled TIFF ' +
  '(these need OpenSlide), pyramidal/plain TIFF, Akoya QPTIFF, DICOM WSI (.dcm), PNG, JPEG, WebP';
