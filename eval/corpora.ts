/**
 * The external documentation sets the eval asks about, pinned by npm package version. Their text
 * is never committed: `npm run eval:corpora` packs the tarballs into `eval/corpora/`, and
 * `--corpus <name>=<path>` points a set at any other copy.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One external documentation set. */
export interface CorpusSpec {
  /** The set's name: its folder under `eval/sets/` and the prefix of its documents' sources. */
  name: string;
  /** What `npm pack` fetches. */
  packageSpec: string;
  /** Where the documentation lies inside the unpacked package. */
  docsPath: string;
  /** The public page of a document, for links in replies (the path without `.md`). */
  urlBase: string;
}

export const CORPORA: CorpusSpec[] = [
  {
    name: 'directus',
    packageSpec: '@directus/docs@9.22.3',
    docsPath: 'package',
    urlBase: 'https://docs.directus.io/',
  },
  {
    name: 'npm',
    packageSpec: 'npm@11.21.2',
    docsPath: 'package/docs/content',
    urlBase: 'https://docs.npmjs.com/cli/v11/',
  },
];

/** Where `npm run eval:corpora` unpacks each set. */
export const CORPORA_DIRECTORY = join(import.meta.dirname, 'corpora');

/** The default root of a set's documents. */
export function defaultRoot(spec: CorpusSpec): string {
  return join(CORPORA_DIRECTORY, spec.name, spec.docsPath);
}

/** One documentation file: its path relative to the root, and its text. */
export interface CorpusFile {
  path: string;
  body: string;
}

/** Folders that hold no documentation: dependencies, builds, tooling. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist']);

/** Every Markdown/MDX file under `root`, sorted by path; undefined when `root` does not exist. */
export async function readCorpus(root: string): Promise<CorpusFile[] | undefined> {
  const exists = await stat(root).then(
    (found) => found.isDirectory(),
    () => false,
  );
  if (!exists) return undefined;
  const files: CorpusFile[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.mdx?$/i.test(entry.name)) continue;
    const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (path.split('/').some((part) => part.startsWith('.') || SKIPPED_FOLDERS.has(part))) continue;
    files.push({ path, body: await readFile(join(root, path), 'utf8') });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
