/*
 * CRC32C (Castagnoli), the checksum of every Kafka RecordBatch v2: the
 * broker checks it over each produced batch, so it must be fast, and it used
 * to come from a Rust library whose loading alone cost the broker 3.6 MB of
 * resident memory. This file computes it with what the CPU offers, picked
 * once when the addon loads:
 *
 * - x86-64 with SSE4.2: the `crc32` instruction, 8 bytes at a time, on three
 *   independent parts of a long buffer at once. One instruction takes three
 *   cycles but a new one can start every cycle, so one dependent chain would
 *   leave two thirds of the unit idle. The three part CRCs are then joined
 *   with tables that advance a CRC over a run of zero bytes (below).
 * - arm64 built with the CRC extension (__ARM_FEATURE_CRC32: binding.gyp
 *   asks for it on arm64 Linux): its crc32cx instruction, 8 bytes a time,
 *   once Linux says the CPU has it (HWCAP_CRC32; optional in ARMv8.0,
 *   required from 8.1, so nearly every arm64 CPU has it).
 * - anything else (x86-64 without SSE4.2, other arm64 CPUs): slice-by-8,
 *   eight table lookups per 8 bytes, in portable C.
 *
 * From JavaScript: crc32c(bytes: Uint8Array, initial?: number) -> the CRC as
 * an unsigned 32-bit number. `initial` is the CRC of the bytes before these
 * (default 0), so crc32c(b, crc32c(a)) == crc32c(a then b), as in
 * @node-rs/crc32 and Kafka's Crc32C. The bytes are read where they are.
 * crc32cPortable is the same function with the slice-by-8 code on any CPU,
 * so tests check that code on machines that never run it; crc32cMethod
 * names the code crc32c runs.
 *
 * All the tables are filled once, by a constructor that runs when the addon
 * is loaded, before any thread can call in; after that they are only read.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_native.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#define HAVE_X86_CRC 1
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#define HAVE_ARM_CRC 1
#if defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif
#endif

/* The Castagnoli polynomial, bit-reversed (CRCs here shift right). */
#define POLY 0x82f63b78u

/*
 * Checksum state is the "raw" CRC: the register before the final inversion.
 * crc32c(bytes, initial) starts from ~initial and answers ~state.
 */
typedef uint32_t (*crc_fn)(uint32_t state, const uint8_t *p, size_t n);

/* ---------------------------------------------------------------- portable */

/* slice8[k][b]: the CRC of byte b followed by k zero bytes. */
static uint32_t slice8[8][256];

static void fill_slice8(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int i = 0; i < 8; i++) c = (c >> 1) ^ (POLY & (0u - (c & 1)));
    slice8[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; b++)
    for (int k = 1; k < 8; k++) slice8[k][b] = (slice8[k - 1][b] >> 8) ^ slice8[0][slice8[k - 1][b] & 0xff];
}

static uint32_t crc_portable(uint32_t state, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    state = (state >> 8) ^ slice8[0][(state ^ *p++) & 0xff];
    n--;
  }
  while (n >= 8) {
    /* Two little-endian words; memcpy is one load on every compiler we use. */
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo = __builtin_bswap32(lo);
    hi = __builtin_bswap32(hi);
#endif
    lo ^= state;
    state = slice8[7][lo & 0xff] ^ slice8[6][(lo >> 8) & 0xff] ^ slice8[5][(lo >> 16) & 0xff] ^ slice8[4][lo >> 24] ^
            slice8[3][hi & 0xff] ^ slice8[2][(hi >> 8) & 0xff] ^ slice8[1][(hi >> 16) & 0xff] ^ slice8[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) state = (state >> 8) ^ slice8[0][(state ^ *p++) & 0xff];
  return state;
}

/* ---------------------------------------------------------------- x86-64 */

#if defined(HAVE_X86_CRC)

/*
 * Bytes per part in one round of three parts: long rounds for large
 * buffers, short ones for what is left. Each join costs two lookups in a
 * 4 KiB table, nothing next to 8 KiB of input; 256-byte parts still keep
 * the three chains busy for a kilobyte-sized batch.
 */
#define LONG_PART 8192
#define SHORT_PART 256

/*
 * Advancing a raw CRC over n zero bytes is linear in the CRC (over GF(2)),
 * so it is a table per byte of the CRC: zeros_long[k][b] is b << 8k
 * advanced over LONG_PART zero bytes, and the same for zeros_short.
 * Joining: the CRC of A then B equals advance(state after A, |B|) xor the
 * CRC of B started from 0.
 */
static uint32_t zeros_long[4][256];
static uint32_t zeros_short[4][256];

static inline uint32_t advance(const uint32_t table[4][256], uint32_t state) {
  return table[0][state & 0xff] ^ table[1][(state >> 8) & 0xff] ^ table[2][(state >> 16) & 0xff] ^ table[3][state >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t advance_by_instruction(uint32_t state, size_t zero_bytes) {
  uint64_t c = state;
  for (size_t i = 0; i < zero_bytes; i += 8) c = _mm_crc32_u64(c, 0);
  return (uint32_t)c;
}

__attribute__((target("sse4.2"))) static void fill_zeros_table(uint32_t table[4][256], size_t zero_bytes) {
  uint32_t of_bit[32];
  for (int bit = 0; bit < 32; bit++) of_bit[bit] = advance_by_instruction(1u << bit, zero_bytes);
  for (int k = 0; k < 4; k++)
    for (uint32_t b = 0; b < 256; b++) {
      uint32_t c = 0;
      for (int i = 0; i < 8; i++)
        if (b & (1u << i)) c ^= of_bit[8 * k + i];
      table[k][b] = c;
    }
}

/* The three parts of one round, each `part` bytes, joined into `state`. */
#define THREE_PARTS(part, zeros)                                       \
  do {                                                                 \
    uint64_t c0 = state, c1 = 0, c2 = 0;                               \
    const uint8_t *end = p + (part);                                   \
    while (p < end) {                                                  \
      uint64_t w0, w1, w2;                                             \
      memcpy(&w0, p, 8);                                               \
      memcpy(&w1, p + (part), 8);                                      \
      memcpy(&w2, p + 2 * (part), 8);                                  \
      c0 = _mm_crc32_u64(c0, w0);                                      \
      c1 = _mm_crc32_u64(c1, w1);                                      \
      c2 = _mm_crc32_u64(c2, w2);                                      \
      p += 8;                                                          \
    }                                                                  \
    state = advance(zeros, (uint32_t)c0) ^ (uint32_t)c1;               \
    state = advance(zeros, state) ^ (uint32_t)c2;                      \
    p += 2 * (part);                                                   \
    n -= 3 * (part);                                                   \
  } while (0)

__attribute__((target("sse4.2"))) static uint32_t crc_sse42(uint32_t state, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    state = _mm_crc32_u8(state, *p++);
    n--;
  }
  while (n >= 3 * LONG_PART) THREE_PARTS(LONG_PART, zeros_long);
  while (n >= 3 * SHORT_PART) THREE_PARTS(SHORT_PART, zeros_short);
  uint64_t c = state;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  state = (uint32_t)c;
  while (n-- > 0) state = _mm_crc32_u8(state, *p++);
  return state;
}

#endif /* HAVE_X86_CRC */

/* ---------------------------------------------------------------- arm64 */

#if defined(HAVE_ARM_CRC)

static uint32_t crc_arm(uint32_t state, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    state = __crc32cb(state, *p++);
    n--;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    state = __crc32cd(state, w);
    p += 8;
    n -= 8;
  }
  while (n-- > 0) state = __crc32cb(state, *p++);
  return state;
}

#endif /* HAVE_ARM_CRC */

/* ---------------------------------------------------------------- choice */

static crc_fn crc_update = crc_portable;
static const char *crc_method = "slice-by-8";

__attribute__((constructor)) static void choose_crc(void) {
#if defined(HAVE_X86_CRC)
  if (__builtin_cpu_supports("sse4.2")) {
    fill_zeros_table(zeros_long, LONG_PART);
    fill_zeros_table(zeros_short, SHORT_PART);
    crc_update = crc_sse42;
    crc_method = "sse4.2";
  }
#elif defined(HAVE_ARM_CRC)
#if defined(__linux__)
  if (getauxval(AT_HWCAP) & HWCAP_CRC32)
#endif
  {
    crc_update = crc_arm;
    crc_method = "armv8-crc";
  }
#endif
  /* Always, 8 KiB: crc32cPortable runs it on any CPU (tests, benchmarks). */
  fill_slice8();
}

/* ---------------------------------------------------------------- N-API */

static napi_value crc32c_with(napi_env env, napi_callback_info info, crc_fn update) {
  size_t argc = 2;
  napi_value args[2];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "crc32c(bytes: Uint8Array, initial?: number)");
    return NULL;
  }
  bool is_typedarray = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, args[0], &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, args[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c: bytes must be a Uint8Array or Buffer");
    return NULL;
  }
  uint32_t initial = 0;
  if (argc >= 2) {
    napi_valuetype t;
    napi_typeof(env, args[1], &t);
    /* Any number, taken modulo 2^32 (so -1 and 0xffffffff are the same CRC). */
    if (t == napi_number) {
      napi_get_value_uint32(env, args[1], &initial);
    } else if (t != napi_undefined && t != napi_null) {
      napi_throw_type_error(env, NULL, "crc32c: initial must be a number");
      return NULL;
    }
  }
  uint32_t crc = length == 0 ? initial : ~update(~initial, (const uint8_t *)data, length);
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

napi_value weir_crc32c(napi_env env, napi_callback_info info) {
  return crc32c_with(env, info, crc_update);
}

napi_value weir_crc32c_portable(napi_env env, napi_callback_info info) {
  return crc32c_with(env, info, crc_portable);
}

const char *weir_crc32c_method(void) {
  return crc_method;
}
