/** Promise wrappers over IndexedDB requests and transactions, shared by the result store and the session store. */

/** Settles with the request's result or its error. */
export function idbRequest<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Settles when the transaction commits; rejects on error or abort. A full quota shows up as the transaction's error
 * (QuotaExceededError) on abort, after the puts "succeeded", so callers must await this, not the puts.
 */
export function idbDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}
