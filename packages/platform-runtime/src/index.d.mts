/** The file URL of register.mjs. */
export declare const runtimeRegister: string;
/** Node arguments that go before a TypeScript entry: `spawn(process.execPath, [...runtimeArgs, 'main.ts'])`. */
export declare const runtimeArgs: readonly string[];
