/**
 * Brightfield or fluorescence, and the channels, for every shared slide and image (types as
 * ../shared/data/README.md describes them) and for synthetic QPTIFF and 16-bit files.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectImageType, decideImageType, omeChannels, pixelStats, type ImageInfo } from '../../../src/main/slides/image-type';
import { openSlide } from '../../../src/main/slides/open-slide';
import { parseQpiColor, parseQpiDescription } from '../../../src/main/slides/qptiff';
import { decodeTiffText, readTiffPages } from '../../../src/main/slides/tiff-directory';
import { wavelengthColor } from '../../../src/main/slides/channel-colors';
import { makeBrightfieldQptiff, makeGrey16Fluorescence, makeQptiff, QPTIFF_CHANNELS } from '../../helpers/make-fluorescence';
import { needs } from '../../helpers/needs';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';

const home = tempHome('tessella-image-type-');
afterAll(() => home.cleanup());

async function infoOf(path: string): Promise<ImageInfo> {
  const reader = await openSlide(path, { cacheDir: join(home.dir, 'cache') });
  try {
    return await detectImageType(reader);
  } finally {
    reader.close();
  }
}

const RGB = [
  { name: 'Red', color: '#ff0000', sample: 'red' },
  { name: 'Green', color: '#00ff00', sample: 'green' },
  { name: 'Blue', color: '#0000ff', sample: 'blue' },
];

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);
const dicom = sharedPath(SLIDES.dicom);
const ihc = sharedPath(SLIDES.ihc);
const histolab = sharedPath('data/patches/histolab_tissue_vs_background');
const lc25000 = sharedPath('data/patches/lc25000_lung');

describe('image type of the shared slides', { timeout: 120_000 }, () => {
  it('CMU-1-Small-Region.svs (H&E) is brightfield RGB', needs(svs), async () => {
    expect(await infoOf(svs!)).toEqual({ imageType: 'brightfield', channels: RGB, decidedBy: 'pixels' });
  });

  it('the DICOM WSI (H&E from TCGA) is brightfield RGB', needs(dicom), async () => {
    expect(await infoOf(dicom!)).toEqual({ imageType: 'brightfield', channels: RGB, decidedBy: 'pixels' });
  });

  it('skimage_ihc.png (DAB + haematoxylin) is brightfield RGB', needs(ihc), async () => {
    expect(await infoOf(ihc!)).toEqual({ imageType: 'brightfield', channels: RGB, decidedBy: 'pixels' });
  });

  it('the DAPI NDPI is fluorescence, one channel named and coloured from its filter cube (emission 455 nm: blue)', needs(ndpi), async () => {
    const info = await infoOf(ndpi!);
    expect(info.imageType).toBe('fluorescence');
    expect(info.channels).toHaveLength(1);
    expect(info.channels[0]!.name).toBe('DAPI 2 (387)');
    expect(info.channels[0]!.sample).toBe('blue'); // the tiles carry it in their blue component
    const c = info.channels[0]!.color;
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));
    expect(b).toBe(255);
    expect(Math.max(r!, g!)).toBeLessThan(128);
  });

  it('every histolab tile (H&E, with glass-only and pen-marked ones) is brightfield', needs(histolab), async () => {
    const files = ['tissue', 'no_tissue'].flatMap((d) => readdirSync(join(histolab!, d)).map((f) => join(histolab!, d, f)));
    expect(files.length).toBe(18);
    for (const f of files) expect((await infoOf(f)).imageType, f).toBe('brightfield');
  });

  it('every LC25000 lung patch (H&E) is brightfield', needs(lc25000), async () => {
    const files = ['lung_aca', 'lung_n', 'lung_scc'].flatMap((d) => readdirSync(join(lc25000!, d)).map((f) => join(lc25000!, d, f)));
    expect(files.length).toBe(90);
    for (const f of files) expect((await infoOf(f)).imageType, f).toBe('brightfield');
  });
});

describe('QPTIFF channels', () => {
  it('lists every full-resolution channel page with its name and colour, the UTF-16 one too; thumbnail and reduced pages are not channels', async () => {
    const info = await infoOf(await makeQptiff());
    // The tiles show the first channel page, in grey; the others need their own pages. Each has tiles of its own, 8-bit.
    const channels = QPTIFF_CHANNELS.map((c, i) => ({ name: c.name, color: c.hex, ...(i === 0 ? { sample: 'grey' } : {}), bits: 8 }));
    expect(info).toEqual({ imageType: 'fluorescence', decidedBy: 'metadata', channels });
  });

  it('a brightfield QPTIFF (RGB page, brightfield scan mode) is brightfield', async () => {
    expect(await infoOf(await makeBrightfieldQptiff())).toEqual({ imageType: 'brightfield', channels: RGB, decidedBy: 'metadata' });
  });

  it('reads the UTF-16 description of a page as text', async () => {
    const pages = await readTiffPages(await makeQptiff(), 'vectra-4ch.qptiff');
    expect(pages[2]!.description).toContain('<Name>PD-L1 (Opal 570)</Name>');
    expect(decodeTiffText(Buffer.from([0xef, 0xbb, 0xbf, 0xc2, 0xb5, 0x6d, 0]))).toBe('µm');
    expect(decodeTiffText(Buffer.from('Aperio\0junk', 'latin1'))).toBe('Aperio');
  });

  it('takes the root element\'s Name, not one nested in ScanProfile, and falls back to Biomarker', () => {
    const d = parseQpiDescription(
      '<PerkinElmer-QPI-ImageDescription><ScanProfile><root><Name>profile</Name><Mode>im_Fluorescence</Mode></root></ScanProfile>' +
        '<ImageType>FullResolution</ImageType><Biomarker>CD3 &amp; CD8</Biomarker><Color>255,60,157</Color><Barcode /></PerkinElmer-QPI-ImageDescription>',
    );
    expect(d).toEqual({ imageType: 'FullResolution', name: null, biomarker: 'CD3 & CD8', color: '#ff3c9d', mode: 'im_Fluorescence' });
    expect(parseQpiColor('256,0,0')).toBeNull();
    expect(parseQpiColor('#00FF00')).toBe('#00ff00');
  });
});

describe('image type from pixels and other metadata', () => {
  it('a 16-bit greyscale TIFF of 12-bit signal on black is fluorescence with one channel', async () => {
    expect(await infoOf(await makeGrey16Fluorescence())).toEqual({ imageType: 'fluorescence', channels: [{ name: 'Channel 1', color: '#ffffff', sample: 'grey' }], decidedBy: 'pixels' });
  });

  it('an RGB fluorescence image lists the colours that carry signal', () => {
    // Dark field, green and red signal, no blue.
    const img = { width: 100, height: 1, data: Buffer.alloc(400) };
    for (let i = 0; i < 100; i++) img.data.set(i < 10 ? [180, 0, 0, 255] : i < 20 ? [0, 220, 0, 255] : [2, 3, 1, 255], i * 4);
    expect(decideImageType(pixelStats(img), null, {})).toEqual({ imageType: 'fluorescence', channels: [RGB[0], RGB[1]], decidedBy: 'pixels' });
  });

  it('transparent (outside-slide) pixels are left out of the decision', () => {
    const img = { width: 10, height: 1, data: Buffer.alloc(40) };
    for (let i = 0; i < 10; i++) img.data.set(i < 3 ? [240, 235, 238, 255] : [0, 0, 0, 0], i * 4);
    expect(decideImageType(pixelStats(img), null, {}).imageType).toBe('brightfield');
  });

  it('reads OME-XML channels (colour as signed RGBA)', () => {
    const ome = omeChannels('<?xml version="1.0"?><OME xmlns="x"><Image><Pixels><Channel ID="Channel:0:0" Name="DAPI" Color="65535" SamplesPerPixel="1"/><Channel ID="Channel:0:1" Name="FITC" Color="16711935"/></Pixels></Image></OME>');
    expect(ome).toEqual({ channels: [{ name: 'DAPI', color: '#0000ff' }, { name: 'FITC', color: '#00ff00' }], samplesPerPixel: 1 });
  });

  it('colours an emission wavelength as light of that colour', () => {
    expect(wavelengthColor(461)).toMatch(/^#00[0-9a-f]{2}ff$/);
    expect(wavelengthColor(520)).toMatch(/^#[0-9a-f]{2}ff00$/);
    expect(wavelengthColor(680)).toBe('#ff0000');
    expect(wavelengthColor(0)).toBeNull();
  });
});

describe('a brightfield scan padded with black', () => {
  it('is still brightfield: what is not black is glass', () => {
    const img = { width: 100, height: 1, data: Buffer.alloc(400) };
    for (let i = 0; i < 100; i++) img.data.set(i < 60 ? [0, 0, 0, 255] : i < 90 ? [242, 240, 241, 255] : [190, 110, 160, 255], i * 4);
    expect(decideImageType(pixelStats(img), null, {}).imageType).toBe('brightfield');
  });
});
