import { destinationPath, sharedPrefix } from './paths';

describe('destination paths', () => {
  it('places files under the instrument by default', () => {
    expect(destinationPath('{instrument}/{path}', 'nmr-600', 'exp 1/fid', 1)).toBe('nmr-600/exp 1/fid');
  });

  it('suffixes later versions so the earlier file is never replaced', () => {
    expect(destinationPath('{instrument}/{path}', 'ms', 'runs/run_001.raw', 2)).toBe('ms/runs/run_001.v2.raw');
    expect(destinationPath('{instrument}/{path}', 'ms', 'README', 3)).toBe('ms/README.v3');
    expect(destinationPath('{instrument}/v{version}/{path}', 'ms', 'a/b.txt', 2)).toBe('ms/v2/a/b.txt');
    // Templates built from {stem} and {ext} too: v1 and v2 used to land on one name.
    expect(destinationPath('{instrument}/{dir}/{stem}{ext}', 'xrd', 'run1/data.csv', 1)).toBe('xrd/run1/data.csv');
    expect(destinationPath('{instrument}/{dir}/{stem}{ext}', 'xrd', 'run1/data.csv', 2)).toBe('xrd/run1/data.v2.csv');
    expect(destinationPath('{instrument}/{stem}-v{version}{ext}', 'xrd', 'run1/data.csv', 2)).toBe('xrd/data-v2.csv');
  });

  it('places a file at the source root by a template that starts with {dir}', () => {
    // The empty {dir} used to give '/x.csv', refused as leaving the destination: every batch with such a file failed.
    expect(destinationPath('{dir}/{name}', 'xrd', 'x.csv', 1)).toBe('x.csv');
    expect(destinationPath('{dir}/{stem}{ext}', 'xrd', 'x.csv', 2)).toBe('x.v2.csv');
    expect(destinationPath('{dir}/{name}', 'xrd', 'run1/x.csv', 1)).toBe('run1/x.csv');
  });

  it('fills the template in one pass: braces in a file name are not placeholders', () => {
    // Filled one placeholder after the other, 'a/{dir}.txt' landed on 'inst/a/a.txt', where the real a/a.txt goes.
    expect(destinationPath('{instrument}/{path}', 'inst', 'a/{dir}.txt', 1)).toBe('inst/a/{dir}.txt');
    expect(destinationPath('{instrument}/{path}', 'inst', 'plots/{name}_{ext}.png', 1)).toBe('inst/plots/{name}_{ext}.png');
    expect(destinationPath('{instrument}/{dir}/{stem}{ext}', 'inst', '{path}/{version}.csv', 2)).toBe('inst/{path}/{version}.v2.csv');
    expect(destinationPath('{instrument}/{name}', 'inst', '{unknown}.txt', 1)).toBe('inst/{unknown}.txt');
  });

  it('refuses a template that escapes the destination', () => {
    expect(() => destinationPath('../{path}', 'x', 'a.txt', 1)).toThrow(/leaves the destination/);
    expect(() => destinationPath('/{path}', 'x', 'a.txt', 1)).toThrow(/leaves the destination/);
  });

  it('finds the common folder when the destination keeps the source path', () => {
    expect(sharedPrefix('a/b.txt', 'inst/a/b.txt')).toBe('inst');
    expect(sharedPrefix('a/b.txt', 'a/b.txt')).toBe('');
    expect(sharedPrefix('a/b.txt', 'inst/a/b.v2.txt')).toBeUndefined();
  });
});
