/**
 * The compiled package, as `npm start` and users run it (not the TypeScript sources through the
 * loader, which adds its own helpers to every function). Call buildPackage() once first.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `npm run build` in the project. */
export function buildPackage(): void {
  process.stderr.write('building the package (npm run build)…\n');
  execFileSync('npm', ['run', 'build', '--silent'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
}

/** One part of the compiled package (`dist/<part>/index.js`). */
export function built<T>(part: string): Promise<T> {
  return import(new URL(`../dist/${part}/index.js`, import.meta.url).href) as Promise<T>;
}
