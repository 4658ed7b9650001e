"""Course chat and direct messages over Socket.IO (the ``chat`` plugin)."""
