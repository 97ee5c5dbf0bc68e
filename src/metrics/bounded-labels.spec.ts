import { describe, expect, it } from 'vitest';
import { BoundedLabels, OTHER_LABEL } from './bounded-labels.js';

describe('BoundedLabels', () => {
  const declared = new Set(['user.registered', 'order.placed']);
  const isDeclared = (type: string) => declared.has(type);

  it('gives declared types their own label whatever else was seen', () => {
    const labels = new BoundedLabels(0, isDeclared);
    expect(labels.of('custom.one')).toBe(OTHER_LABEL);
    expect(labels.of('user.registered')).toBe('user.registered');
  });

  it('gives the first max others their own label and counts the rest as other', () => {
    const labels = new BoundedLabels(2, isDeclared);
    expect(labels.of('a.one')).toBe('a.one');
    expect(labels.of('a.two')).toBe('a.two');
    expect(labels.of('a.three')).toBe(OTHER_LABEL);
    // A type that got its label keeps it.
    expect(labels.of('a.one')).toBe('a.one');
    expect(labels.of('order.placed')).toBe('order.placed');
  });
});
