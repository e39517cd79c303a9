/**
 * Reads an ImageFolder tree: `root/<class>/[<group>/...]<image>`, or the same under
 * `root/{train,val,test}/` (also training, valid, validation, testing) when such folders hold
 * class folders. A folder level below the class names the slide or patient the patches came
 * from. Files that are not images are passed over (a root `labels.csv` is common); images
 * outside any class folder, and folders beside the split folders, are reported.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isIgnoredName, isImageName, splitFromName, type ScanResult, type Split } from './scan-types.js';

interface Listing {
  dirs: string[];
  files: string[];
}

async function list(dir: string): Promise<Listing> {
  const out: Listing = { dirs: [], files: [] };
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (isIgnoredName(d.name)) continue;
    const full = join(dir, d.name);
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      const s = await stat(full).catch(() => null);
      isDir = s?.isDirectory() ?? false;
      isFile = s?.isFile() ?? false;
    }
    if (isDir) out.dirs.push(d.name);
    else if (isFile) out.files.push(d.name);
  }
  // readdir order differs between file systems; sorting keeps every later step deterministic
  out.dirs.sort();
  out.files.sort();
  return out;
}

export async function scanFolder(root: string, signal?: AbortSignal): Promise<ScanResult> {
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw Object.assign(new Error(`not a folder: ${root}`), { code: 'ENOTDIR', path: root });
  const result: ScanResult = { entries: [], problems: [], ignored: 0, emptyClasses: [] };
  const seen = new Set<string>();
  const toRel = (p: string) => relative(root, p).split(sep).join('/');

  const reportLoose = (dir: string, files: string[], where: string) => {
    for (const f of files) {
      if (isImageName(f)) result.problems.push({ path: join(dir, f), reason: `image ${where} is not inside a class folder; left out` });
      else result.ignored++;
    }
  };

  const walkClass = async (classDir: string, label: string, split: Split | null, group: string | null) => {
    signal?.throwIfAborted();
    // symlinked folders can loop back on themselves
    const real = await realpath(classDir);
    if (seen.has(real)) return;
    seen.add(real);
    const { dirs, files } = await list(classDir);
    for (const f of files) {
      if (!isImageName(f)) {
        result.ignored++;
        continue;
      }
      const path = join(classDir, f);
      result.entries.push({ path, rel: toRel(path), label, split, group, mpp: null });
    }
    for (const d of dirs) await walkClass(join(classDir, d), label, split, group ?? d);
  };
  /** Walks a class folder, naming it when it held no image (its class would vanish unnoticed). */
  const walkTopClass = async (classDir: string, label: string, split: Split | null) => {
    const before = result.entries.length;
    await walkClass(classDir, label, split, null);
    if (result.entries.length === before) result.emptyClasses!.push(toRel(classDir));
  };

  const top = await list(root);
  reportLoose(root, top.files, 'at the top level');
  // a split folder holds class folders; a class that happens to be called "test" holds images
  const listings = new Map<string, Listing>();
  for (const d of top.dirs) if (splitFromName(d)) listings.set(d, await list(join(root, d)));
  const splitDirs = [...listings].filter(([, l]) => l.dirs.length > 0).map(([d]) => d);
  if (splitDirs.length) {
    for (const d of top.dirs) {
      if (!splitDirs.includes(d)) result.problems.push({ path: join(root, d), reason: 'folder beside the train/val/test folders is not a split; its images are left out' });
    }
    for (const s of splitDirs) {
      const splitDir = join(root, s);
      const inner = listings.get(s)!;
      reportLoose(splitDir, inner.files, `directly in ${s}/`);
      for (const c of inner.dirs) await walkTopClass(join(splitDir, c), c, splitFromName(s));
    }
  } else {
    for (const c of top.dirs) await walkTopClass(join(root, c), c, null);
  }
  return result;
}
