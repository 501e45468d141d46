"""llama2.c's tokenizer.bin: a sentencepiece BPE vocabulary with merge scores.

File layout (little-endian): int32 max_token_length, then for each of vocab_size tokens a float32
score, an int32 byte length and that many bytes (the piece; sentencepiece's '▁' written as ' ').
The vocabulary size is not stored; it is the model's.

Encoding follows llama2.c's run.c: BOS (1), then the dummy-prefix piece " " (for non-empty text),
then one token per UTF-8 character, or its bytes as <0xHH> tokens (id = byte + 3) when the character
is not a piece; then, repeatedly, the adjacent pair whose concatenation is the piece of highest score
is merged (the leftmost such pair on ties) until no pair forms a piece. A heap gives the same merges
as run.c's repeated scan, in O(n log n).
"""

import heapq
import re
import struct

from .errors import CaptureError
from .paths import require_regular_file

BOS, EOS = 1, 2
_BYTE_PIECE = re.compile(rb"<0x([0-9A-Fa-f]{2})>")


class Llama2cTokenizer:
    def __init__(self, path, vocab_size=None):
        self.path = path
        require_regular_file(path, "tokenizer")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise CaptureError(f"{path}: cannot read the tokenizer ({e.strerror or e})") from None
        if len(data) < 4:
            raise CaptureError(f"{path}: {len(data)} bytes, too short for a llama2.c tokenizer.bin")
        (self.max_token_length,) = struct.unpack_from("<i", data, 0)
        at, pieces, scores = 4, [], []
        while at < len(data) and (vocab_size is None or len(pieces) < vocab_size):
            if at + 8 > len(data):
                raise CaptureError(f"{path}: truncated after {len(pieces)} tokens")
            score, n = struct.unpack_from("<fi", data, at)
            at += 8
            if n < 0 or at + n > len(data):
                raise CaptureError(f"{path}: truncated or not a llama2.c tokenizer.bin (token {len(pieces)} "
                                   f"claims {n} bytes)")
            pieces.append(data[at:at + n])
            scores.append(score)
            at += n
        if vocab_size is not None and len(pieces) < vocab_size:
            raise CaptureError(f"{path}: holds {len(pieces)} tokens, the model has a vocabulary of {vocab_size}")
        if len(pieces) < 3 + 256:
            raise CaptureError(f"{path}: holds {len(pieces)} tokens; a llama2.c vocabulary has at least "
                               "<unk>, <s>, </s> and 256 byte tokens")
        self.pieces, self.scores = pieces, scores
        self.lookup = {}
        for i, p in enumerate(pieces):
            self.lookup.setdefault(p, i)

    @property
    def vocab_size(self):
        return len(self.pieces)

    def encode(self, text, bos=True, eos=False):
        tokens = [BOS] if bos else []
        if text:
            prefix = self.lookup.get(b" ")
            if prefix is None:
                raise CaptureError(f"{self.path}: the vocabulary has no ' ' piece for sentencepiece's dummy prefix")
            symbols = [prefix]
            for ch in text:
                b = ch.encode("utf-8", errors="surrogatepass")
                i = self.lookup.get(b)
                symbols.extend([i] if i is not None else [byte + 3 for byte in b])
            tokens.extend(self._merge(symbols))
        if eos:
            tokens.append(EOS)
        return tokens

    def _merge(self, ids):
        n = len(ids)
        ids = list(ids)
        nxt = list(range(1, n + 1))
        prv = list(range(-1, n - 1))
        alive = [True] * n
        heap = []

        def push(i):
            j = nxt[i]
            if j < n:
                merged = self.lookup.get(self.pieces[ids[i]] + self.pieces[ids[j]])
                if merged is not None:
                    # highest score first, then the leftmost pair (positions keep their order)
                    heapq.heappush(heap, (-self.scores[merged], i, j, ids[i], ids[j], merged))

        for i in range(n - 1):
            push(i)
        while heap:
            _, i, j, a, b, merged = heapq.heappop(heap)
            if not (alive[i] and alive[j] and nxt[i] == j and ids[i] == a and ids[j] == b):
                continue    # stale: one side was merged since this pair was pushed
            ids[i] = merged
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < n:
                prv[nxt[j]] = i
            if prv[i] >= 0:
                push(prv[i])
            push(i)
        return [ids[i] for i in range(n) if alive[i]]

    def piece_bytes(self, prev, token):
        piece = self.pieces[token]
        if token in (BOS, EOS):
            return b""
        if prev == BOS and piece.startswith(b" "):
            piece = piece[1:]   # sentencepiece strips the dummy prefix after BOS, as run.c does
        m = _BYTE_PIECE.fullmatch(piece)
        return bytes([int(m.group(1), 16)]) if m else piece

    def decode(self, tokens):
        """Text of a token sequence: BOS/EOS print nothing, <0xHH> pieces are bytes, invalid UTF-8 is replaced."""
        out, prev = [], None
        for t in tokens:
            t = int(t)
            if not 0 <= t < len(self.pieces):
                raise CaptureError(f"token {t} is outside the vocabulary of {len(self.pieces)}")
            out.append(self.piece_bytes(prev, t))
            prev = t
        return b"".join(out).decode("utf-8", errors="replace")
