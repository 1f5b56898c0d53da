// For code that starts another Node process on Marquee's TypeScript (tests, benches, the recommendation
// service's training worker): the --import that makes a .ts entry runnable (register.mjs), as a file URL so
// it resolves whatever the child's working directory.

/** The file URL of register.mjs. */
export const runtimeRegister = new URL('./register.mjs', import.meta.url).href;

/** Node arguments that go before a TypeScript entry: `spawn(process.execPath, [...runtimeArgs, 'main.ts'])`. */
export const runtimeArgs = ['--import', runtimeRegister];
