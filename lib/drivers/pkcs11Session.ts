/*
 * The pkcs11 driver's token handling: the PKCS#11 library (loaded and initialised once per path,
 * shared by every driver in the process), the logged-in session on a token, and object search.
 * pkcs11js, a native addon, is loaded here only, when a first session is opened.
 */
import { createRequire } from 'node:module';
import type { Handle, PKCS11, Template } from 'pkcs11js';
import { CK } from './pkcs11Constants.js';

/** Return values after which the session is gone and a fresh one (with a fresh login) may succeed. */
export const SESSION_LOST = new Set([0x30 /* DEVICE_ERROR */, 0x32 /* DEVICE_REMOVED */, 0xb0 /* SESSION_CLOSED */, 0xb3 /* SESSION_HANDLE_INVALID */, 0xe0 /* TOKEN_NOT_PRESENT */, 0x101 /* USER_NOT_LOGGED_IN */, 0x190 /* CRYPTOKI_NOT_INITIALIZED */]);

export const ckrOf = (e: unknown): number | undefined => (typeof (e as { code?: unknown })?.code === 'number' ? (e as { code: number }).code : undefined);

type Pkcs11Module = typeof import('pkcs11js');

/**
 * pkcs11js is a native addon: it is loaded on first use only, through a require that bundlers
 * leave alone, so that the native driver (and any bundle holding this file) never needs it.
 */
function loadPkcs11js(): Pkcs11Module {
  // Not the module-scope `require`: bundlers do not follow this one, so the addon is never inlined.
  const requireHere = createRequire(import.meta.url);
  return requireHere('pkcs11js') as Pkcs11Module;
}

/** One loaded and initialised library per path, shared by every driver in the process. */
const libraries = new Map<string, { lib: PKCS11; users: number; finalize: boolean }>();

function acquireLibrary(path: string): PKCS11 {
  const known = libraries.get(path);
  if (known) {
    known.users++;
    return known.lib;
  }
  const { PKCS11: Library } = loadPkcs11js();
  const lib = new Library();
  lib.load(path);
  let finalize = true;
  try {
    // The driver awaits async calls, which run on libuv's threads: the library must lock for itself.
    lib.C_Initialize({ flags: CK.CKF_OS_LOCKING_OK });
  } catch (e) {
    if (ckrOf(e) !== CK.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      try {
        lib.close();
      } catch {
        /* unloading a library that failed to initialise */
      }
      throw e;
    }
    finalize = false;
  }
  libraries.set(path, { lib, users: 1, finalize });
  return lib;
}

function releaseLibrary(path: string): void {
  const known = libraries.get(path);
  if (!known || --known.users > 0) return;
  libraries.delete(path);
  if (known.finalize) {
    try {
      known.lib.C_Finalize();
    } catch {
      /* already finalised */
    }
  }
  try {
    known.lib.close();
  } catch {
    /* unloaded */
  }
}

const trimLabel = (s: string) => s.replace(/[\s\0]+$/, '');

export interface Open {
  lib: PKCS11;
  session: Handle;
}

/** A logged-in read-write session on the token labelled `tokenLabel`; the library is released again if that fails. */
export function openLoggedInSession({ module, tokenLabel, pin }: { module: string; tokenLabel: string; pin: string }): Open {
  const lib = acquireLibrary(module);
  try {
    const slot = lib.C_GetSlotList(true).find((s) => trimLabel(lib.C_GetTokenInfo(s).label) === tokenLabel);
    if (!slot) throw new Error(`no PKCS#11 token labelled "${tokenLabel}" in ${module}`);
    const session = lib.C_OpenSession(slot, CK.CKF_SERIAL_SESSION | CK.CKF_RW_SESSION);
    try {
      lib.C_Login(session, CK.CKU_USER, pin);
    } catch (e) {
      if (ckrOf(e) !== CK.CKR_USER_ALREADY_LOGGED_IN) {
        try {
          lib.C_CloseSession(session);
        } catch {
          /* closing a session that failed to log in */
        }
        // pkcs11js names the return value (e.g. CKR_PIN_INCORRECT), never the PIN.
        throw new Error(`PKCS#11 login to token "${tokenLabel}" failed: ${(e as Error).message}`);
      }
    }
    return { lib, session };
  } catch (e) {
    releaseLibrary(module);
    throw e;
  }
}

/** Closes the session (unless the library is gone with it) and releases the library of `module`. */
export function closeSession(open: Open, module: string, libraryGone = false): void {
  if (!libraryGone) {
    // No C_Logout: the login is the application's, shared with other drivers on this token;
    // closing the application's last session logs it out.
    try {
      open.lib.C_CloseSession(open.session);
    } catch {
      /* already closed */
    }
  }
  releaseLibrary(module);
}

/** The token objects of class `cls` that match `template`. */
export function findObjects(lib: PKCS11, session: Handle, cls: number, template: Template): Handle[] {
  lib.C_FindObjectsInit(session, [{ type: CK.CKA_CLASS, value: cls }, { type: CK.CKA_TOKEN, value: true }, ...template]);
  try {
    const out: Handle[] = [];
    for (;;) {
      const batch = lib.C_FindObjects(session, 16);
      out.push(...batch);
      if (batch.length < 16) return out;
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}
