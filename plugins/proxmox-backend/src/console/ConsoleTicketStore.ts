import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { TABLES, toMillis } from '../database/tables';

/** What a console ticket opens, and for whom. */
export interface ConsoleBinding {
  /** The user entity ref the ticket was issued to. */
  userRef: string;
  cluster: string;
  vmid: number;
  node: string;
  type: 'qemu' | 'lxc';
  name?: string;
}

interface TicketRow {
  ticket_hash: string;
  user_ref: string;
  cluster: string;
  vmid: number | string;
  node: string;
  guest_type: string;
  guest_name: string | null;
  created_at: number | string;
  expires_at: number | string;
}

const hash = (ticket: string) =>
  createHash('sha256').update(ticket, 'utf8').digest('hex');

/**
 * One-time console tickets in the plugin's database, so a WebSocket may
 * reach any backend replica: 32 random bytes (base64url) of which only the
 * SHA-256 is stored; consuming deletes the row, so of two sockets presenting
 * the same ticket at most one gets it.
 */
export class ConsoleTicketStore {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new ticket for `binding`, valid for `ttlMs`. */
  async issue(
    binding: ConsoleBinding,
    ttlMs: number,
  ): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const expiresAt = createdAt + ttlMs;
    await this.db(TABLES.consoleTickets)
      .where('expires_at', '<', createdAt)
      .delete();
    await this.db(TABLES.consoleTickets).insert({
      ticket_hash: hash(ticket),
      user_ref: binding.userRef,
      cluster: binding.cluster,
      vmid: binding.vmid,
      node: binding.node,
      guest_type: binding.type,
      guest_name: binding.name ?? null,
      created_at: createdAt,
      expires_at: expiresAt,
    });
    return { ticket, expiresAt };
  }

  /**
   * The binding of a ticket that exists and has not expired; the ticket is
   * used up either way. Undefined for unknown, used or expired tickets.
   */
  async consume(ticket: string): Promise<ConsoleBinding | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
    const key = hash(ticket);
    const row: TicketRow | undefined = await this.db(TABLES.consoleTickets)
      .where('ticket_hash', key)
      .first();
    if (!row) return undefined;
    const deleted = await this.db(TABLES.consoleTickets)
      .where('ticket_hash', key)
      .delete();
    if (deleted !== 1 || toMillis(row.expires_at) <= this.now()) {
      return undefined;
    }
    return {
      userRef: row.user_ref,
      cluster: row.cluster,
      vmid: Number(row.vmid),
      node: row.node,
      type: row.guest_type === 'lxc' ? 'lxc' : 'qemu',
      ...(row.guest_name ? { name: row.guest_name } : {}),
    };
  }
}
