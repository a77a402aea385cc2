// entryUUIDs for new entries: RFC 9562 version 7, time-ordered like the
// time-based (version 1) UUIDs slapd and 389-DS give their entries. Entries
// are stored and indexed by entryUUID, so with random (version 4) UUIDs
// every add rewrote a random page of each of those B-trees; time-ordered
// ones are appended next to the previous add's.
import { randomUUID } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * 48-bit Unix milliseconds, version 7, a 12-bit counter (RFC 9562 §6.2
 * method 1: monotonic within the process, also when the clock steps back),
 * variant and 62 random bits.
 */
export function uuidV7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const ts = lastMs.toString(16).padStart(12, '0');
  // randomUUID is 'xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx' with the RFC variant already in V.
  return `${ts.slice(0, 8)}-${ts.slice(8)}-7${counter.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}
