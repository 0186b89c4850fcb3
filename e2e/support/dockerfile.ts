// Replays a Dockerfile's build natively: each stage is a folder standing in for the image's root,
// COPY takes only what the Dockerfile names (minus .dockerignore's folders) and RUN runs in `sh`.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { promisify } from 'node:util';

export interface ReplayedImage {
  /** Holds every stage; remove it when done. */
  work: string;
  /** The final stage's folder, standing in for its `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
  baseImages: string[];
}

const IGNORED = new Set(['node_modules', 'dist', 'dist-page-server', '.git']);

export async function replayDockerfile(context: string, dockerfile: string): Promise<ReplayedImage> {
  const instructions = (await readFile(join(context, dockerfile), 'utf8'))
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, keyword, rest] = line.match(/^(\w+)\s+(.*)$/) ?? [];
      return { keyword: keyword.toUpperCase(), rest };
    });

  const work = await mkdtemp(join(tmpdir(), 'dockerfile-replay-'));
  const stages = new Map<string, string>();
  const baseImages: string[] = [];
  let image: ReplayedImage | undefined;

  for (const { keyword, rest } of instructions) {
    if (keyword === 'FROM') {
      const [base, , name] = rest.split(/\s+/);
      baseImages.push(base);
      const root = join(work, `stage-${stages.size}`);
      await mkdir(root);
      stages.set(name ?? String(stages.size), root);
      image = { work, root, workdir: '/', env: {}, cmd: [], baseImages };
      continue;
    }
    if (!image) throw new Error(`${dockerfile}: ${keyword} before FROM`);
    const at = (path: string) => join(image!.root, posix.resolve(image!.workdir, path));
    switch (keyword) {
      case 'WORKDIR':
        image.workdir = posix.resolve(image.workdir, rest);
        await mkdir(at('.'), { recursive: true });
        break;
      case 'ENV':
        for (const [, key, value] of rest.matchAll(/(\w+)=(\S+)/g)) image.env[key] = value;
        break;
      case 'COPY': {
        const words = rest.split(/\s+/);
        const from = words[0].startsWith('--from=') ? stages.get(words.shift()!.slice('--from='.length)) : undefined;
        const destination = words.pop()!;
        for (const source of words) {
          const sourcePath = from ? join(from, source) : join(context, source);
          const target = destination.endsWith('/') ? join(at(destination), basename(source)) : at(destination);
          // .dockerignore applies to the build context, not to files taken from another stage.
          const filter = from ? undefined : (path: string) => !IGNORED.has(basename(path));
          await cp(sourcePath, target, { recursive: true, filter });
        }
        break;
      }
      case 'RUN':
        await promisify(execFile)('sh', ['-c', rest], {
          cwd: at('.'),
          env: { ...process.env, ...image.env },
          maxBuffer: 64 * 1024 * 1024,
        });
        break;
      case 'CMD':
        image.cmd = JSON.parse(rest) as string[];
        break;
      // ARG, USER, EXPOSE, HEALTHCHECK: nothing to replay.
    }
  }
  if (!image) throw new Error(`${dockerfile} has no FROM`);
  return image;
}
