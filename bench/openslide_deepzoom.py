#!/usr/bin/python3
"""OpenSlide's own DeepZoomGenerator as a reference for Tessella's tile code.

Run with the system python (/usr/bin/python3: python3-openslide, PIL). Subcommands:
  geometry SLIDE [--limit-bounds]  every tile's read_region() arguments and size, as JSON
  geometry --shape JSON            the same for a made-up pyramid (no file), see MockSlide
  tiles SLIDE OUTDIR L/C/R...      get_tile() as PNG files OUTDIR/L_C_R.png (lossless reference)
  bench SLIDE TILES_JSON [--quality Q]
                                   time get_tile() + JPEG encode over a tile list
                                   ([[level, col, row], ...]), cold (fresh slide) then warm
SLIDE goes through openslide.open_slide: OpenSlide formats, or PIL images as ImageSlide.
Every subcommand prints one JSON document on stdout.
"""
import io
import json
import sys
import time

import openslide
from openslide.deepzoom import DeepZoomGenerator


class MockSlide:
    """Just enough of OpenSlide for DeepZoomGenerator's geometry, from
    {"levels": [[w, h, downsample], ...], "properties": {...}}."""

    def __init__(self, shape):
        self.level_dimensions = tuple((l[0], l[1]) for l in shape['levels'])
        self.level_downsamples = tuple(float(l[2]) for l in shape['levels'])
        self.dimensions = self.level_dimensions[0]
        self.properties = shape.get('properties', {})

    def get_best_level_for_downsample(self, downsample):
        # openslide_get_best_level_for_downsample() from the C library
        if downsample < self.level_downsamples[0]:
            return 0
        for i in range(1, len(self.level_downsamples)):
            if downsample < self.level_downsamples[i]:
                return i - 1
        return len(self.level_downsamples) - 1


def geometry(osr, limit_bounds, tile_size=254, overlap=1):
    dz = DeepZoomGenerator(osr, tile_size=tile_size, overlap=overlap, limit_bounds=limit_bounds)
    tiles = []
    for level in range(dz.level_count):
        cols, rows = dz.level_tiles[level]
        for row in range(rows):
            for col in range(cols):
                (l0, slide_level, l_size), z_size = dz._get_tile_info(level, (col, row))
                tiles.append([level, col, row, l0[0], l0[1], slide_level, l_size[0], l_size[1], z_size[0], z_size[1]])
    return {
        'levelCount': dz.level_count,
        'levelDimensions': dz.level_dimensions,
        'levelTiles': dz.level_tiles,
        'tileCount': dz.tile_count,
        'dzi': dz.get_dzi('jpeg'),
        'levelDownsamples': list(getattr(osr, 'level_downsamples', [])),
        'levelSizes': list(getattr(osr, 'level_dimensions', [])),
        'tiles': tiles,
    }


def cmd_geometry(args):
    limit_bounds = '--limit-bounds' in args
    args = [a for a in args if a != '--limit-bounds']
    opts = {}
    for key in ('--tile-size', '--overlap'):
        if key in args:
            i = args.index(key)
            opts[key[2:].replace('-', '_')] = int(args[i + 1])
            del args[i:i + 2]
    if args[0] == '--shape':
        osr = MockSlide(json.loads(args[1]))
    else:
        osr = openslide.open_slide(args[0])
    return geometry(osr, limit_bounds, **opts)


def cmd_tiles(args):
    slide, outdir, specs = args[0], args[1], args[2:]
    dz = DeepZoomGenerator(openslide.open_slide(slide))
    written = []
    for spec in specs:
        level, col, row = (int(v) for v in spec.split('/'))
        path = f'{outdir}/{level}_{col}_{row}.png'
        dz.get_tile(level, (col, row)).save(path, 'PNG')
        written.append(path)
    return {'written': written}


def percentile(sorted_ms, p):
    # nearest-rank, the same definition bench/tiles.ts uses
    if not sorted_ms:
        return None
    k = max(0, min(len(sorted_ms) - 1, int(-(-p * len(sorted_ms) // 100)) - 1))
    return sorted_ms[k]


def timed_pass(dz, tiles, quality):
    times = []
    start = time.perf_counter()
    for level, col, row in tiles:
        t0 = time.perf_counter()
        buf = io.BytesIO()
        dz.get_tile(level, (col, row)).save(buf, 'JPEG', quality=quality)
        times.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    times.sort()
    return {
        'tiles': len(tiles),
        'p50Ms': round(percentile(times, 50), 3),
        'p95Ms': round(percentile(times, 95), 3),
        'tilesPerSec': round(len(tiles) / total, 1) if total > 0 else None,
    }


def cmd_bench(args):
    slide, tiles_file = args[0], args[1]
    quality = int(args[args.index('--quality') + 1]) if '--quality' in args else 85
    with open(tiles_file) as f:
        tiles = json.load(f)
    # cold: a fresh OpenSlide handle, so its internal tile cache is empty
    dz = DeepZoomGenerator(openslide.open_slide(slide))
    cold = timed_pass(dz, tiles, quality)
    # warm: same handle again; OpenSlide caches decoded slide tiles, but PIL still resamples and encodes
    warm = timed_pass(dz, tiles, quality)
    return {'cold': cold, 'warm': warm}


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    out = {'geometry': cmd_geometry, 'tiles': cmd_tiles, 'bench': cmd_bench}[cmd](args)
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
