"""Reader for PhysMaster checkpoints (.pmck, format 2) without Java.

File layout (io.physmaster.model.Checkpoint):
    b"PMCK2" | big-endian int32 header length | header JSON (UTF-8) | gzip(DJL parameter stream)

The payload is what DJL's Block.saveParameters writes (java.io.DataOutputStream, so big-endian), depth first:
    block     = version byte | int32 n | n x shape | own parameters in order | child blocks in order
    shape     = int32 rank | rank x int64 | int32 m | m x 2-byte layout chars
    parameter = 2-byte char 'N' (not initialised, nothing follows)
              | 2-byte char 'P' | version byte | utf name | ndarray
    ndarray   = utf "NDAR" | int32 version (3) | byte has_name [utf name] | utf sparse format | utf dtype
                | shape | byte order ('<' or '>') | int32 byte count | raw bytes
    utf       = uint16 length | modified UTF-8 (plain ASCII for every name here)
The stream has no names for blocks, so it is read against the model's own tree (model.py), which declares
parameters and children in the Java classes' order.
"""
import gzip
import hashlib
import json
import struct

import numpy as np

MAGIC = b"PMCK2"
_DTYPES = {"FLOAT32": np.float32, "FLOAT64": np.float64, "INT32": np.int32, "INT64": np.int64}


class CheckpointError(Exception):
    pass


def read(path):
    """-> (header dict, payload stream reader). Checks the magic, the payload size and its SHA-256."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:5] != MAGIC:
        raise CheckpointError(f"{path}: not a PMCK2 checkpoint (magic {data[:5]!r})")
    (n,) = struct.unpack(">i", data[5:9])
    header = json.loads(data[9:9 + n].decode("utf-8"))
    payload = data[9 + n:]
    if len(payload) != header["payloadBytes"]:
        raise CheckpointError(f"{path}: payload is {len(payload)} bytes, header says {header['payloadBytes']}")
    if hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise CheckpointError(f"{path}: payload SHA-256 does not match the header (corrupted file)")
    return header, Stream(gzip.decompress(payload))


class Stream:
    """Big-endian reads of DJL's parameter stream."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise CheckpointError(f"parameter stream ends at byte {len(self.data)}, wanted {n} more at {self.pos}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(">" + fmt, self.take(struct.calcsize(">" + fmt)))

    def utf(self):
        (n,) = self.unpack("H")
        return self.take(n).decode("utf-8")

    def shape(self):
        (rank,) = self.unpack("i")
        dims = self.unpack(f"{rank}q") if rank else ()
        (m,) = self.unpack("i")
        self.take(2 * m)  # layout characters: not needed
        return tuple(dims)

    def block_header(self):
        """A block's version byte and its saved input shapes (ignored: our blocks fix their shapes)."""
        self.take(1)
        (n,) = self.unpack("i")
        for _ in range(n):
            self.shape()

    def parameter(self, expected_name):
        """-> numpy array, or None for a parameter saved uninitialised."""
        (tag,) = self.unpack("H")
        if tag == ord("N"):
            return None
        if tag != ord("P"):
            raise CheckpointError(f"expected parameter '{expected_name}' at byte {self.pos - 2}, found tag {tag}")
        self.take(1)
        name = self.utf()
        if name != expected_name:
            raise CheckpointError(f"expected parameter '{expected_name}', found '{name}'")
        if self.utf() != "NDAR":
            raise CheckpointError(f"parameter '{name}': not an NDArray record")
        self.unpack("i")
        (has_name,) = self.unpack("b")
        if has_name:
            self.utf()
        self.utf()  # sparse format (DENSE)
        dtype = self.utf()
        shape = self.shape()
        order = self.take(1)
        (nbytes,) = self.unpack("i")
        if dtype not in _DTYPES:
            raise CheckpointError(f"parameter '{name}': unsupported dtype {dtype}")
        arr = np.frombuffer(self.take(nbytes), dtype=np.dtype(_DTYPES[dtype]).newbyteorder(order.decode()))
        return arr.astype(_DTYPES[dtype]).reshape(shape)

    def end(self):
        if self.pos != len(self.data):
            raise CheckpointError(f"{len(self.data) - self.pos} bytes left after the last block")
