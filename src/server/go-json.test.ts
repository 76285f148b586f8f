import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGoJson, EMPTY, parseGoUnmarshal } from './go-json.js';

/** The first value or Go's error text. Every expectation below is what dockerd 20.10 answered to the same body. */
function decoded(text: string): unknown {
  try {
    return decodeGoJson(Buffer.from(text));
  } catch (err) {
    return (err as Error).message;
  }
}

test("a body is read as Go's json.Decoder reads it: the first value, then nothing more", () => {
  assert.deepEqual(decoded('{"a":{"b":[1,{"c":null}]}} trailing'), { a: { b: [1, { c: null }] } });
  assert.deepEqual(decoded('{}x'), {});
  assert.equal(decoded('12x'), 12);
  assert.equal(decoded('0123'), 0);
  assert.equal(decoded('"a"}'), 'a');
  assert.equal(decoded(' true '), true);
  assert.equal(decoded('null'), null);
  assert.equal(decoded('   '), EMPTY);
  assert.equal(decoded(''), EMPTY);
});

test("a broken body gets Go's decoder words", () => {
  const cases: [string, string][] = [
    ['{', 'unexpected EOF'],
    ['{"x":', 'unexpected EOF'],
    ['tru', 'unexpected EOF'],
    ['-', 'unexpected EOF'],
    ['1.', 'unexpected EOF'],
    ['{bad}', "invalid character 'b' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', 'invalid character \'"\' after object key:value pair'],
    ['[1 2]', "invalid character '2' after array element"],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['nulL', "invalid character 'L' in literal null (expecting 'l')"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12x"', "invalid character 'x' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["'", "invalid character '\\'' looking for beginning of value"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['[,]', "invalid character ',' looking for beginning of value"],
    ['\u00e9', "invalid character 'Ã' looking for beginning of value"],
    ['\x01', "invalid character '\\x01' looking for beginning of value"],
    ['\\', "invalid character '\\\\' looking for beginning of value"],
  ];
  for (const [text, words] of cases) assert.equal(decoded(text), words, JSON.stringify(text));
});

test("a query parameter is read as Go's json.Unmarshal reads it: all of it, one value", () => {
  const unmarshal = (text: string): unknown => {
    try {
      return parseGoUnmarshal(text);
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.deepEqual(unmarshal('{"a":["b"]} '), { a: ['b'] });
  assert.equal(unmarshal('{'), 'unexpected end of JSON input');
  assert.equal(unmarshal(''), 'unexpected end of JSON input');
  assert.equal(unmarshal('{}x'), "invalid character 'x' after top-level value");
  assert.equal(unmarshal('{bad'), "invalid character 'b' looking for beginning of object key string");
});
