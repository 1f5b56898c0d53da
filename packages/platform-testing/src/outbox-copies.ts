import { adminPool } from './isolation';

/**
 * For tests that check what a service wrote to its outbox: the relay deletes each row once Kafka has it, so a
 * test reading `outbox` would race it. From this call on, every row inserted into `outbox` of the database at
 * `databaseUrl` is also kept in `outbox_written` (same columns), readable by every role. Call it after the
 * service's migrations ran; it connects as the run's admin. Test databases only: no migration creates this, and
 * a service never reads it.
 */
export async function keepOutboxCopies(databaseUrl: string): Promise<void> {
  const admin = adminPool(databaseUrl);
  try {
    await admin.query(`
      create table if not exists outbox_written (like outbox including defaults);
      grant select on outbox_written to public;
      create or replace function marquee_test_copy_outbox_row() returns trigger language plpgsql security definer
        as $$ begin insert into outbox_written values (new.*); return null; end $$;
      drop trigger if exists outbox_copy_for_tests on outbox;
      create trigger outbox_copy_for_tests after insert on outbox
        for each row execute function marquee_test_copy_outbox_row();`);
  } finally {
    await admin.end();
  }
}
