import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/app-build.js';

/**
 * The README is the front door and docs/ holds one page per topic: a link that leads nowhere
 * (a moved file, a renamed heading) is a dead end for the reader, and a README that grows back
 * into a reference manual buries the two commands. Both are checked here.
 */
const README_MAX_BYTES = 15 * 1024;
const DOCS = join(REPO_ROOT, 'docs');

const pages = [
  join(REPO_ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name)),
];

interface Link {
  page: string;
  line: number;
  target: string;
}

/** Markdown text outside fenced code blocks and inline code spans, line by line. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    if (text.trimStart().startsWith('```')) {
      fenced = !fenced;
      return;
    }
    if (!fenced)
      lines.push({ line: index + 1, text: text.replace(/`[^`]*`/g, '') });
  });
  return lines;
}

function linksOf(page: string): Link[] {
  const links: Link[] = [];
  for (const { line, text } of proseLines(readFileSync(page, 'utf8'))) {
    for (const match of text.matchAll(/\]\(([^()\s]+)\)/g)) {
      links.push({ page, line, target: match[1] });
    }
  }
  return links;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorCache = new Map<string, Set<string>>();

function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = new Set();
    const seen = new Map<string, number>();
    for (const { text } of proseLines(readFileSync(file, 'utf8'))) {
      const heading = /^#{1,6}\s+(.*)$/.exec(text);
      if (!heading) continue;
      const base = slug(heading[1].trim());
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Why a relative link is broken, or undefined when it resolves. */
function brokenBecause({ page, target }: Link): string | undefined {
  const [path, anchor] = target.split('#', 2);
  const file = path === '' ? page : resolve(dirname(page), path);
  if (!file.startsWith(REPO_ROOT)) return 'points outside the repository';
  if (!existsSync(file)) return 'no such file or directory';
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md') || statSync(file).isDirectory()) return undefined;
  return anchorsOf(file).has(anchor)
    ? undefined
    : `no heading #${anchor} in ${relative(REPO_ROOT, file)}`;
}

describe('README and docs/', () => {
  it(`keep the README within ${README_MAX_BYTES} bytes`, () => {
    const size = statSync(join(REPO_ROOT, 'README.md')).size;
    expect(
      size,
      'README.md: move reference material to docs/',
    ).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('have no relative link that leads nowhere', () => {
    const links = pages.flatMap(linksOf);
    const relativeLinks = links.filter(
      ({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target),
    );
    // The check itself must be looking: the README links to docs/ pages.
    expect(relativeLinks.length).toBeGreaterThan(20);
    const broken = relativeLinks.flatMap((link) => {
      const reason = brokenBecause(link);
      return reason
        ? [
            `${relative(REPO_ROOT, link.page)}:${link.line} ${link.target}: ${reason}`,
          ]
        : [];
    });
    expect(broken).toEqual([]);
  });

  it('link every docs/ page from the README', () => {
    const linked = new Set(
      linksOf(join(REPO_ROOT, 'README.md')).map(({ target }) =>
        resolve(REPO_ROOT, target.split('#')[0]),
      ),
    );
    const unlinked = pages
      .filter((page) => page.startsWith(DOCS) && !linked.has(page))
      .map((page) => relative(REPO_ROOT, page));
    expect(unlinked).toEqual([]);
  });
});
