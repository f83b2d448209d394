import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/core/lru.js';

describe('Lru', () => {
  it('keeps at most its count of entries, the longest unused dropped first', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.size, lru.weight]).toEqual([1, 3, 2, 2]);
  });

  it('weighed, keeps entries whose weights sum to its budget at most, and none heavier than the budget', () => {
    const lru = new Lru<string, string>(10, (v) => v.length);
    lru.set('a', 'xxxx');
    lru.set('b', 'yyyy');
    lru.get('a');
    // 'b' was used longest ago: dropped to make room for 'c'.
    lru.set('c', 'zzz');
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.weight]).toEqual(['xxxx', undefined, 'zzz', 7]);
    // Replacing an entry counts its new weight only.
    lru.set('a', 'x');
    expect(lru.weight).toBe(4);
    lru.set('big', 'w'.repeat(11));
    expect([lru.get('big'), lru.weight, lru.size]).toEqual([undefined, 4, 2]);
    // One entry as heavy as the budget leaves nothing else.
    lru.set('full', 'v'.repeat(10));
    expect([lru.size, lru.weight, lru.get('full')]).toEqual([1, 10, 'v'.repeat(10)]);
    lru.delete('full');
    lru.delete('full');
    expect([lru.size, lru.weight]).toEqual([0, 0]);
    lru.set('d', 'dd');
    lru.clear();
    expect([lru.size, lru.weight, lru.get('d')]).toEqual([0, 0, undefined]);
  });

  it('makes a value it does not hold once, and drops the entries named stale with their weights', () => {
    const lru = new Lru<string, string>(10, (v) => v.length);
    let made = 0;
    const make = () => (made++, 'abc');
    expect([lru.getOr('k', make), lru.getOr('k', make), made]).toEqual(['abc', 'abc', 1]);
    lru.set('l', 'defg');
    lru.set('m', 'h');
    lru.drop((v, key) => v.length > 2 || key === 'zz');
    expect([lru.get('k'), lru.get('l'), lru.get('m'), lru.size, lru.weight]).toEqual([undefined, undefined, 'h', 1, 1]);
  });
});
