// KS_THREAD_LOCAL: thread_local natively, a plain static in the WebAssembly module.
//
// The module has one thread, and with bulk memory enabled wasm-ld accepts thread-local storage
// only together with the atomics feature (shared memory), so there such state is a plain static.
#pragma once

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define KS_THREAD_LOCAL static
#else
#define KS_THREAD_LOCAL thread_local
#endif
