import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  readChoice,
  readCount,
  readHostNames,
  readOrigins,
  readPercent,
  readPort,
  readQueryParamNames,
  readRatio,
  readSubnets,
  readSwitch,
  readUrl,
} from './index.ts';

test('a port is required and from 0 to 65535; the error names the variable and the value', () => {
  assert.equal(readPort({ SERVER_PORT: '8000' }, 'SERVER_PORT'), 8000);
  assert.equal(readPort({ SERVER_PORT: '0' }, 'SERVER_PORT'), 0);
  assert.throws(() => readPort({}, 'SERVER_PORT'), /^Error: SERVER_PORT is not set: \.env at the repository root/);
  for (const value of ['eighty', '-1', '70000', '80.5', ' 80']) {
    assert.throws(() => readPort({ SERVER_PORT: value }, 'SERVER_PORT'), {
      message: `SERVER_PORT must be a whole number from 0 to 65535, got "${value}"`,
    });
  }
});

test('counts, percentages, switches and choices fall back when unset or empty, and refuse the rest', () => {
  assert.equal(readCount({}, 'N', 10), 10);
  assert.equal(readCount({ N: '' }, 'N', 10), 10);
  assert.equal(readCount({ N: '3' }, 'N', 10), 3);
  assert.equal(readCount({ N: '0' }, 'N', 500, 0), 0);
  assert.throws(() => readCount({ N: '0' }, 'N', 10), {
    message: 'N must be a whole number above 0 such as 10, got "0"',
  });
  assert.throws(() => readCount({ N: '1.5' }, 'N', 500, 0), {
    message: 'N must be a whole number (0 or more) such as 500, got "1.5"',
  });
  assert.equal(readPercent({ P: '12.5' }, 'P', 100), 12.5);
  assert.throws(() => readPercent({ P: '101' }, 'P', 100), {
    message: 'P must be a percentage from 0 to 100 such as 100, got "101"',
  });
  assert.equal(readSwitch({}, 'S'), false);
  assert.equal(readSwitch({ S: 'true' }, 'S'), true);
  assert.throws(() => readSwitch({ S: 'yes' }, 'S'), { message: 'S must be true or false, got "yes"' });
  assert.equal(readChoice({ C: 'compose' }, 'C', ['npm', 'compose'], 'npm'), 'compose');
  assert.throws(() => readChoice({ C: 'k8s' }, 'C', ['npm', 'compose'], 'npm'), {
    message: 'C must be npm or compose, got "k8s"',
  });
});

test('a ratio is required and from 0 to 1; the error names the variable and the value', () => {
  for (const [value, ratio] of [
    ['0', 0],
    ['0.25', 0.25],
    ['1', 1],
    ['1.0', 1],
  ] as const) {
    assert.equal(readRatio({ R: value }, 'R'), ratio);
  }
  assert.throws(() => readRatio({}, 'R'), /^Error: R is not set: \.env at the repository root/);
  for (const value of ['1.5', '2', '-0.1', '.5', '50%', '1e-3', ' 0.5', 'half']) {
    assert.throws(() => readRatio({ R: value }, 'R'), {
      message: `R must be a ratio from 0 to 1 such as 0.25, got "${value}"`,
    });
  }
});

test('a URL is http(s) with no query, fragment or credentials, and loses its trailing slashes', () => {
  assert.equal(
    readUrl({ U: 'https://jaeger.example/base//' }, 'U', 'http://localhost:1'),
    'https://jaeger.example/base',
  );
  assert.equal(readUrl({}, 'U', 'http://localhost:1/'), 'http://localhost:1');
  for (const value of [
    'localhost:16686',
    'ftp://jaeger.example',
    'not a url',
    '//jaeger.example',
    'http://a/?x=1',
    'http://a/#b',
    'http://u:p@a/',
  ]) {
    assert.throws(() => readUrl({ U: value }, 'U', 'http://localhost:16686'), {
      message: `U must be an http(s) URL with no query, fragment or credentials, got "${value}"`,
    });
  }
});

test('origins are a comma-separated list of scheme, host and port', () => {
  assert.deepEqual(readOrigins({ O: 'https://hello.example, http://localhost:3000' }, 'O', ''), [
    'https://hello.example',
    'http://localhost:3000',
  ]);
  for (const origin of ['http://localhost:5173/', 'http://localhost:5173/app', 'localhost:5173', '*']) {
    assert.throws(() => readOrigins({ O: origin }, 'O', ''), /^Error: O must be a list of origins/);
  }
});

test('query parameter names are a comma-separated list, none when unset; a name cannot hold a separator', () => {
  assert.deepEqual(readQueryParamNames({}, 'P'), []);
  assert.deepEqual(readQueryParamNames({ P: ' session_id, auth ,' }, 'P'), ['session_id', 'auth']);
  for (const value of ['a b', 'x=1', 'a&b', 'a?', '#a']) {
    assert.throws(() => readQueryParamNames({ P: `ok,${value}` }, 'P'), {
      message: `P must be a list of query parameter names such as session_id,auth, got "${value}"`,
    });
  }
});

test('host names are a comma-separated list, lowercased, without scheme, port or path', () => {
  assert.deepEqual(readHostNames({}, 'H'), []);
  assert.deepEqual(readHostNames({ H: 'Hello.Example, 192.0.2.1,[2001:DB8::1]' }, 'H'), [
    'hello.example',
    '192.0.2.1',
    '[2001:db8::1]',
  ]);
  for (const value of [
    'http://hello.example',
    'hello.example:443',
    'hello.example/x',
    '*.example',
    'a b',
    '[::1]:80',
  ]) {
    assert.throws(() => readHostNames({ H: value }, 'H'), {
      message: `H must be a list of host names such as hello.example (no scheme, port or path), got "${value}"`,
    });
  }
});

test('subnets are a comma-separated list of addresses and CIDR ranges, IPv4 or IPv6', () => {
  assert.deepEqual(readSubnets({}, 'T'), []);
  assert.deepEqual(readSubnets({ T: '10.0.0.0/8, 192.0.2.7,2001:db8::/32, ::1' }, 'T'), [
    { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
    { address: '192.0.2.7', prefix: 32, family: 'ipv4' },
    { address: '2001:db8::', prefix: 32, family: 'ipv6' },
    { address: '::1', prefix: 128, family: 'ipv6' },
  ]);
  for (const value of [
    '10.0.0/8',
    '10.0.0.0/33',
    '010.0.0.1',
    '2001:db8::/129',
    '::g',
    '10.0.0.0/8/8',
    '10.0.0.0/',
    'proxy',
  ]) {
    assert.throws(() => readSubnets({ T: value }, 'T'), {
      message: `T must be a list of IP addresses or CIDR ranges such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32, got "${value}"`,
    });
  }
});
