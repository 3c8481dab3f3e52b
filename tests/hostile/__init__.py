"""Issue 9: the gateway's promises under hostile callers and faults nobody planned for.

Each module reproduces one class of the issue on real sockets (emulator, fault proxy, gateway
on 127.0.0.1) and asserts that it is closed; every test here failed on the commit before
the fix (the closing note of issue 9 lists them).
"""
