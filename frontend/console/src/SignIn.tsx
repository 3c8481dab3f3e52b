import { useState, type FormEvent } from 'react';
import type { Credentials } from './session';

/** Sign-in with the caller's Sync token, or user and password (HTTP Basic). */
export function SignIn({ done }: { done: (credentials: Credentials) => void }) {
  const [kind, setKind] = useState<'token' | 'basic'>('token');
  const [token, setToken] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (kind === 'token') done(token ? { kind: 'token', token } : { kind: 'none' });
    else done({ kind: 'basic', user, password });
  };
  return (
    <form className="signin" onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to syncgql</h1>
      <fieldset>
        <legend>Credentials</legend>
        <label><input type="radio" name="kind" checked={kind === 'token'} onChange={() => setKind('token')} /> Sync auth token</label>
        <label><input type="radio" name="kind" checked={kind === 'basic'} onChange={() => setKind('basic')} /> User and password</label>
      </fieldset>
      {kind === 'token' ? (
        <p>
          <label htmlFor="token">Auth token (empty: the gateway's own credentials)</label>
          <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </p>
      ) : (
        <>
          <p><label htmlFor="user">User</label><input id="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} /></p>
          <p><label htmlFor="password">Password</label><input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} /></p>
        </>
      )}
      <button type="submit">Sign in</button>
      <p className="hint">Kept in this tab's session storage only.</p>
    </form>
  );
}
