// zlib (raw DEFLATE) and Zstandard, the two compressions of the zip entries evaldb reads (an
// Inspect AI `.eval` log is a zip archive: older ones DEFLATE, newer ones Zstandard).
#include <zlib.h>
#include <zstd.h>

// inflateInit2 is a macro: Swift cannot call it.
static inline int evaldb_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
