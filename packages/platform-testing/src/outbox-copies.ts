/** Anything that runs SQL: a pg Pool or Client, or a test harness's admin pool. */
interface Sql {
  query(text: string): Promise<unknown>;
}

/**
 * For tests that check what a service wrote to its outbox: the relay deletes each row once Kafka has it, so a
 * test reading `outbox` would race it. This keeps a copy of every row inserted into `outbox` from now on in
 * `outbox_written` (same columns), readable by every role. Call it as a role that may create tables and triggers
 * (the database's owner, or the harness's admin) after the service's migrations ran. Test databases only: no
 * migration creates this, and a service never reads it.
 */
export async function keepOutboxCopies(db: Sql): Promise<void> {
  await db.query(`
    create table if not exists outbox_written (like outbox including defaults);
    grant select on outbox_written to public;
    create or replace function marquee_test_copy_outbox_row() returns trigger language plpgsql security definer
      as $$ begin insert into outbox_written values (new.*); return null; end $$;
    drop trigger if exists outbox_copy_for_tests on outbox;
    create trigger outbox_copy_for_tests after insert on outbox
      for each row execute function marquee_test_copy_outbox_row();`);
}
