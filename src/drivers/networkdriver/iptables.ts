/**
 * berth's own iptables chains and rules. Chain names come from a prefix (`BERTH` in the
 * daemon, a random `BT…` in tests) so nothing here ever names DOCKER* or a built-in
 * chain's own rules. Every rule is added with -C first and removed with -D and the
 * same spec, so removal takes away exactly what was added.
 */
import { run, succeeds } from './exec.js';
import type { Proto } from './portmapper.js';

export type Table = 'filter' | 'nat';

export interface Rule {
  table: Table;
  chain: string;
  spec: string[];
}

export class Iptables {
  readonly chain: string;
  readonly isolation1: string;
  readonly isolation2: string;
  readonly user: string;

  constructor(readonly prefix = 'BERTH') {
    this.chain = prefix;
    this.isolation1 = `${prefix}-ISOLATION-STAGE-1`;
    this.isolation2 = `${prefix}-ISOLATION-STAGE-2`;
    this.user = `${prefix}-USER`;
  }

  private ipt(table: Table, args: string[]): Promise<unknown> {
    // -w: wait for the xtables lock instead of failing when another tool holds it.
    return run('iptables', ['-w', '-t', table, ...args]);
  }

  async exists(r: Rule): Promise<boolean> {
    return succeeds('iptables', ['-w', '-t', r.table, '-C', r.chain, ...r.spec]);
  }

  async add(r: Rule, position: 'append' | 'insert' = 'append'): Promise<void> {
    if (await this.exists(r)) return;
    await this.ipt(r.table, [position === 'insert' ? '-I' : '-A', r.chain, ...r.spec]);
  }

  async remove(r: Rule): Promise<void> {
    // A rule added twice by hand is removed once per call; loop so ours is gone.
    while (await this.exists(r)) await this.ipt(r.table, ['-D', r.chain, ...r.spec]);
  }

  /** The jumps from built-in chains into berth's: inserted once, removed exactly. */
  jumps(): Rule[] {
    return [
      { table: 'filter', chain: 'FORWARD', spec: ['-j', this.user] },
      { table: 'filter', chain: 'FORWARD', spec: ['-j', this.isolation1] },
      { table: 'filter', chain: 'FORWARD', spec: ['-j', this.chain] },
      { table: 'nat', chain: 'PREROUTING', spec: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', this.chain] },
      { table: 'nat', chain: 'OUTPUT', spec: ['!', '-d', '127.0.0.0/8', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', this.chain] },
    ];
  }

  private chains(): Array<[Table, string]> {
    return [
      ['filter', this.chain], ['filter', this.isolation1], ['filter', this.isolation2], ['filter', this.user],
      ['nat', this.chain],
    ];
  }

  /** Creates the chains (if missing) and the jumps into them. */
  async setup(): Promise<void> {
    for (const [table, chain] of this.chains()) {
      if (!(await succeeds('iptables', ['-w', '-t', table, '-S', chain]))) await this.ipt(table, ['-N', chain]);
    }
    // The user chain returns by default so it never swallows traffic.
    await this.add({ table: 'filter', chain: this.user, spec: ['-j', 'RETURN'] });
    await this.add({ table: 'filter', chain: this.isolation1, spec: ['-j', 'RETURN'] });
    await this.add({ table: 'filter', chain: this.isolation2, spec: ['-j', 'RETURN'] });
    // Inserted in reverse so FORWARD reads USER, ISOLATION-1, then BERTH, as in dockerd.
    for (const j of this.jumps().reverse()) await this.add(j, 'insert');
  }

  /** Removes the jumps (exactly ours), then flushes and deletes berth's chains only. */
  async teardown(): Promise<void> {
    for (const j of this.jumps()) await this.remove(j);
    for (const [table, chain] of this.chains()) {
      if (await succeeds('iptables', ['-w', '-t', table, '-S', chain])) {
        await this.ipt(table, ['-F', chain]);
      }
    }
    for (const [table, chain] of this.chains()) {
      if (await succeeds('iptables', ['-w', '-t', table, '-S', chain])) await this.ipt(table, ['-X', chain]);
    }
  }

  /** Rules a bridge network needs: forwarding to/from it, ICC, masquerade, isolation. */
  networkRules(n: { bridge: string; subnet: string; icc: boolean; masquerade: boolean; internal: boolean }): Rule[] {
    const rules: Rule[] = [];
    if (n.internal) {
      // Internal: nothing leaves or enters the subnet except between its own members.
      rules.push({ table: 'filter', chain: this.isolation1, spec: ['!', '-s', n.subnet, '-o', n.bridge, '-j', 'DROP'] });
      rules.push({ table: 'filter', chain: this.isolation1, spec: ['!', '-d', n.subnet, '-i', n.bridge, '-j', 'DROP'] });
    } else {
      rules.push({ table: 'filter', chain: this.isolation1, spec: ['-i', n.bridge, '!', '-o', n.bridge, '-j', this.isolation2] });
      rules.push({ table: 'filter', chain: this.isolation2, spec: ['-o', n.bridge, '-j', 'DROP'] });
      rules.push({ table: 'filter', chain: this.chain, spec: ['-o', n.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] });
      rules.push({ table: 'filter', chain: this.chain, spec: ['-i', n.bridge, '!', '-o', n.bridge, '-j', 'ACCEPT'] });
      if (n.masquerade) {
        rules.push({ table: 'nat', chain: 'POSTROUTING', spec: ['-s', n.subnet, '!', '-o', n.bridge, '-j', 'MASQUERADE'] });
      }
      // Published-port traffic arriving from the bridge itself is not DNATed back in.
      rules.push({ table: 'nat', chain: this.chain, spec: ['-i', n.bridge, '-j', 'RETURN'] });
    }
    rules.push({ table: 'filter', chain: this.chain, spec: ['-i', n.bridge, '-o', n.bridge, '-j', n.icc ? 'ACCEPT' : 'DROP'] });
    return rules;
  }

  /** Rules for one published port (hostIp '' or '0.0.0.0' means any address). */
  portRules(p: { bridge: string; proto: Proto; hostIp: string; hostPort: number; containerIp: string; containerPort: number }): Rule[] {
    const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? `${p.hostIp}/32` : '0/0';
    const to = `${p.containerIp}:${p.containerPort}`;
    return [
      { table: 'nat', chain: this.chain, spec: ['-d', dst, '!', '-i', p.bridge, '-p', p.proto, '-m', p.proto, '--dport', String(p.hostPort), '-j', 'DNAT', '--to-destination', to] },
      { table: 'filter', chain: this.chain, spec: ['-d', `${p.containerIp}/32`, '!', '-i', p.bridge, '-o', p.bridge, '-p', p.proto, '-m', p.proto, '--dport', String(p.containerPort), '-j', 'ACCEPT'] },
      // Hairpin: a container reaching its own published port comes back with the gateway's address.
      { table: 'nat', chain: 'POSTROUTING', spec: ['-s', `${p.containerIp}/32`, '-d', `${p.containerIp}/32`, '-p', p.proto, '-m', p.proto, '--dport', String(p.containerPort), '-j', 'MASQUERADE'] },
    ];
  }

  /**
   * Loopback clients of published ports are DNATed in OUTPUT: this jump, without the
   * 127/8 exclusion of jumps(), is shared by every network (the controller's).
   */
  loopbackJump(): Rule {
    return { table: 'nat', chain: 'OUTPUT', spec: ['-d', '127.0.0.0/8', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', this.chain] };
  }

  /**
   * One bridge's part of the loopback path: DNATed loopback clients leave it
   * masqueraded (route_localnet on the bridge lets them through). route_localnet
   * alone would also let a container send to the host's 127.0.0.1 services through
   * the bridge; the INPUT rule drops that, keeping only the answers of connections
   * the DNAT made (as kube-proxy does since CVE-2020-8558).
   */
  loopbackRules(bridge: string): Rule[] {
    return [
      { table: 'nat', chain: 'POSTROUTING', spec: ['-s', '127.0.0.0/8', '-o', bridge, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'MASQUERADE'] },
      { table: 'filter', chain: 'INPUT', spec: ['-i', bridge, '-d', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'DROP'] },
    ];
  }

  /** Adds every rule; if one fails the ones already added are removed again. */
  async addAll(rules: Rule[]): Promise<void> {
    const done: Rule[] = [];
    try {
      for (const r of rules) {
        await this.add(r);
        done.push(r);
      }
    } catch (err) {
      for (const r of done.reverse()) await this.remove(r).catch(() => undefined);
      throw err;
    }
  }

  async removeAll(rules: Rule[]): Promise<void> {
    for (const r of rules) await this.remove(r);
  }

  /**
   * Start-up clean-up after a crash: in berth's own chains, deletes every rule that is
   * not in `expected` (the chains' own RETURN and jump rules are kept). Rules in
   * built-in chains are not listed, so they are removed by spec by the caller.
   */
  async reconcile(expected: Rule[]): Promise<number> {
    let removed = 0;
    const keep = new Set([...expected, ...this.baseRules()].map(key));
    for (const [table, chain] of this.chains()) {
      const out = (await run('iptables', ['-w', '-t', table, '-S', chain])).stdout;
      for (const line of out.split('\n')) {
        if (!line.startsWith(`-A ${chain} `)) continue;
        const spec = splitArgs(line.slice(`-A ${chain} `.length));
        if (keep.has(key({ table, chain, spec }))) continue;
        await this.ipt(table, ['-D', chain, ...spec]);
        removed++;
      }
    }
    return removed;
  }

  private baseRules(): Rule[] {
    return [this.user, this.isolation1, this.isolation2].map((chain) => ({ table: 'filter' as const, chain, spec: ['-j', 'RETURN'] }));
  }
}

/** Specs above are written in the order `iptables -S` prints them, so text comparison works. */
function key(r: Rule): string {
  return `${r.table} ${r.chain} ${canonical(r.spec).join(' ')}`;
}

/** iptables -S writes 0/0 destinations away and /32 on addresses; normalise both sides. */
function canonical(spec: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < spec.length; i++) {
    const a = spec[i]!;
    if ((a === '-d' || a === '-s') && spec[i + 1] === '0/0') { i++; continue; }
    out.push(a);
  }
  return out;
}

/** -S output quotes nothing berth writes (no spaces in its args), so spaces split it. */
function splitArgs(s: string): string[] {
  return s.trim().split(/\s+/);
}
