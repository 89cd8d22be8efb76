// Files from a drop or a file input, including whole folders (a dropped folder is walked; hidden
// files and folders such as .obsidian/ and .git/ are skipped). Each file keeps its path inside
// the dropped folder, which becomes the source's path.

export interface PickedFile {
  file: File;
  path: string;
}

const hidden = (name: string) => name.startsWith('.') || name === 'node_modules';

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () => reader.readEntries((batch) => {
      if (batch.length === 0) resolve(out);
      else {
        out.push(...batch);
        next();
      }
    }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: PickedFile[], limit: number): Promise<void> {
  if (out.length >= limit || hidden(entry.name)) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory) {
    const entries = await readAll((entry as FileSystemDirectoryEntry).createReader());
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) await walk(e, out, limit);
  }
}

/** The files of a drop, folders walked (at most `limit` files). */
export async function filesFromDrop(dt: DataTransfer, limit = 10000): Promise<PickedFile[]> {
  const entries = Array.from(dt.items ?? [])
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry?.() ?? null);
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    const out: PickedFile[] = [];
    for (const e of entries) await walk(e!, out, limit);
    return out;
  }
  return Array.from(dt.files).slice(0, limit).map((file) => ({ file, path: file.name }));
}

/** The files of an <input type=file> (with `webkitdirectory`, a folder's files, hidden ones skipped). */
export function filesFromInput(input: HTMLInputElement): PickedFile[] {
  return Array.from(input.files ?? [])
    .map((file) => ({ file, path: file.webkitRelativePath || file.name }))
    .filter((f) => !f.path.split('/').some(hidden));
}
