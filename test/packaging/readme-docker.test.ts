/**
 * README's Docker commands fit together: the image `docker build -t` makes is the one every
 * `docker run` starts (so the commands work when pasted in order), a pushed image was tagged from
 * it, and its version is the package's.
 */
import { readText } from './lib/chart';

const readme = readText('README.md');
const version = (JSON.parse(readText('package.json')) as { version: string }).version;

/** Every shell command of README: console/sh blocks (continuation lines joined) and inline `docker ...` code. */
function commands(): string[] {
  const blocks = [...readme.matchAll(/```(?:console|sh)\n([\s\S]*?)```/g)].flatMap((m) => m[1].replace(/\\\n\s*/g, ' ').split('\n'));
  const inline = [...readme.matchAll(/`(docker [^`]+)`/g)].map((m) => m[1]);
  return [...blocks, ...inline].map((c) => c.trim()).filter(Boolean);
}

/** The image named in a docker command: the token that names this project's image. */
const imageOf = (command: string): string | undefined => command.split(/\s+/).find((t) => /(^|\/)bkpaas-process-exporter:[\w.-]+$/.test(t));

const docker = (verb: string) => commands().filter((c) => c.startsWith(`docker ${verb} `));

describe("README's docker commands", () => {
  const builds = docker('build');
  const built = builds.map((c) => /\s-t\s+(\S+)/.exec(c)?.[1]);

  it('build one image, tagged with the package version', () => {
    expect(built).toHaveLength(1);
    expect(built[0]).toMatch(new RegExp(`bkpaas-process-exporter:${version.replace(/\./g, '\\.')}$`));
  });

  it('run the image they build', () => {
    const runs = docker('run');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.map((c) => ({ command: c, image: imageOf(c) }))).toEqual(runs.map((c) => ({ command: c, image: built[0] })));
  });

  it('push only images tagged from the built one', () => {
    const tagged = new Map(docker('tag').map((c) => [c.split(/\s+/)[3], c.split(/\s+/)[2]]));
    for (const push of docker('push')) {
      const image = push.split(/\s+/)[2];
      expect({ image, from: image === built[0] ? built[0] : tagged.get(image) }).toEqual({ image, from: built[0] });
    }
  });
});
