import { randomBytes, randomInt } from 'node:crypto';
import { InvalidParameter } from '../../engine/errors.js';

// berth's own word lists for generated names (`adjective_surname`, as dockerd names them).
const ADJECTIVES = [
  'agile', 'amber', 'ample', 'ardent', 'astute', 'balmy', 'bold', 'brave', 'breezy', 'bright',
  'brisk', 'calm', 'candid', 'cheery', 'civil', 'clever', 'cosmic', 'crisp', 'curious', 'dapper',
  'deft', 'eager', 'earnest', 'elated', 'fabled', 'fervent', 'fleet', 'frank', 'gentle', 'gleeful',
  'golden', 'hardy', 'hearty', 'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'merry',
  'mellow', 'nimble', 'noble', 'patient', 'placid', 'plucky', 'polite', 'quiet', 'rapid', 'serene',
  'shrewd', 'snug', 'steady', 'sunny', 'swift', 'tidy', 'vivid', 'witty', 'zealous', 'zesty',
];
const SURNAMES = [
  'agnesi', 'ampere', 'babbage', 'banach', 'bernoulli', 'bohr', 'boole', 'brahe', 'cantor', 'carson',
  'cauchy', 'curie', 'darwin', 'dirac', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman',
  'fourier', 'galois', 'gauss', 'germain', 'hamilton', 'hertz', 'hilbert', 'hopper', 'hubble', 'huygens',
  'jacobi', 'joule', 'kelvin', 'kepler', 'lagrange', 'laplace', 'leibniz', 'lovelace', 'maxwell', 'meitner',
  'mendel', 'napier', 'newton', 'noether', 'ohm', 'pascal', 'planck', 'poincare', 'riemann', 'ritchie',
  'shannon', 'somerville', 'tesla', 'thompson', 'turing', 'volta', 'wiles', 'yalow', 'zuse', 'kovalevskaya',
];

/** A fresh `adjective_surname`; after a few collisions dockerd appends a digit, and so does berth. */
export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    let name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    if (i >= 10) name += String(randomInt(10));
    if (!taken(`/${name}`)) return name;
  }
}

/** 64 random hex digits; never all-numeric, so that a short ID cannot read as a number (as dockerd). */
export function generateId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d{12}/.test(id)) return id;
  }
}

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The stored form `/name` of a user-given name, validated with dockerd's message. */
export function checkName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw new InvalidParameter(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.startsWith('/') ? name : `/${name}`;
}
