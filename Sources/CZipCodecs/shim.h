// zlib (raw DEFLATE) for the zip entries evaldb reads (an Inspect AI `.eval` log is a zip
// archive: older ones DEFLATE, newer ones Zstandard). libzstd is not linked: ZipArchive loads it
// when a Zstandard entry is read (dlopen), so that building evaldb needs no zstd headers; these
// are its stream buffers, as zstd.h declares them (ZSTD_inBuffer, ZSTD_outBuffer).
#include <stddef.h>
#include <zlib.h>

typedef struct {
    const void *src;
    size_t size;
    size_t pos;
} evaldb_zstd_in;

typedef struct {
    void *dst;
    size_t size;
    size_t pos;
} evaldb_zstd_out;

// inflateInit2 is a macro: Swift cannot call it.
static inline int evaldb_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
