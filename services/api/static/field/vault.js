/* The steps a worker records on this phone, kept encrypted until they are sent.

   Each step is sealed with AES-GCM (256 bits, a fresh 12-byte IV each time)
   under a key derived with PBKDF2 (SHA-256, 310 000 rounds, a random salt)
   from the PIN the worker sets on this phone. IndexedDB holds, per worker,
   the salt, a sealed check value (to tell a wrong PIN) and the sealed
   steps, in the order they were captured; never the PIN, never the key,
   never a step in the clear. The key lives in the page's memory while it is
   unlocked: another user of the phone, or whoever finds it, reads nothing.
   A step is deleted once the server has recorded it. */
"use strict";

const Vault = (() => {
  const ROUNDS = 310000;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function openDatabase(name) {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("lock");
      request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    };
    return done(request);
  }

  async function derive(pin, salt) {
    const material = await crypto.subtle.importKey(
      "raw", encoder.encode(pin), "PBKDF2", false, ["deriveKey"],
    );
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", salt, iterations: ROUNDS, hash: "SHA-256" },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  }

  async function seal(key, value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = encoder.encode(JSON.stringify(value));
    const data = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plain));
    return { iv, data };
  }

  async function unseal(key, box) {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, key, box.data);
    return JSON.parse(decoder.decode(plain));
  }

  /* The vault of one worker on this phone. */
  function open(user) {
    const database = openDatabase("vatra-field-" + user);
    let key = null;

    async function store(name, mode) {
      return (await database).transaction(name, mode).objectStore(name);
    }

    return {
      async exists() {
        return (await done((await store("lock", "readonly")).get("pin"))) !== undefined;
      },
      async create(pin) {
        const salt = crypto.getRandomValues(new Uint8Array(16));
        const made = await derive(pin, salt);
        const check = await seal(made, { check: true });
        await done((await store("lock", "readwrite")).put({ salt, check }, "pin"));
        key = made;
      },
      async unlock(pin) {
        const lock = await done((await store("lock", "readonly")).get("pin"));
        const tried = await derive(pin, lock.salt);
        try {
          await unseal(tried, lock.check);
        } catch (wrong) {
          return false;
        }
        key = tried;
        return true;
      },
      unlocked() {
        return key !== null;
      },
      async add(step) {
        const box = await seal(key, step);
        return done((await store("queue", "readwrite")).add(box));
      },
      async replace(seq, step) {
        const box = await seal(key, step);
        await done((await store("queue", "readwrite")).put({ seq, ...box }));
      },
      async remove(seq) {
        await done((await store("queue", "readwrite")).delete(seq));
      },
      async list() {
        const boxes = await done((await store("queue", "readonly")).getAll());
        const steps = [];
        for (const box of boxes) {
          steps.push({ seq: box.seq, step: await unseal(key, box) });
        }
        return steps;
      },
    };
  }

  return { open };
})();
