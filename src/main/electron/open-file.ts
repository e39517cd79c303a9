/** Opening a file the app wrote (a report) with the system's viewer, or showing it in its folder. */
import { shell } from 'electron';
import { existsSync } from 'node:fs';

export async function openPath(path: string, reveal: boolean): Promise<boolean> {
  if (!existsSync(path)) return false;
  if (reveal) {
    shell.showItemInFolder(path);
    return true;
  }
  // openPath resolves to an error message, empty when the file was opened.
  return (await shell.openPath(path)) === '';
}
