/*
 * A stand-in for one flite voice library that WebKitGTK links for speech synthesis
 * (scripts/build-webkit-shims writes one per voice and says why). It has the voice's
 * soname and its register functions; the real library is loaded the first time one is
 * called, so a process that never speaks never maps it.
 *
 * Built with -DREAL="/path/to/the/real/library" and -DVOICES="X(register_cmu_us_awb)..."
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

typedef void *(*register_fn)(const char *voxdir);

static void *real;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) { real = dlopen(REAL, RTLD_NOW | RTLD_LOCAL); }

static register_fn find(const char *name) {
    pthread_once(&once, load);
    return real ? (register_fn)dlsym(real, name) : NULL;
}

/* cst_voice *register_cmu_us_x(const char *voxdir): NULL when the real voice is gone,
   which is what flite itself answers for a voice it cannot load. */
#define X(name)                                                                    \
    void *name(const char *voxdir) {                                               \
        register_fn f = find(#name);                                               \
        return f ? f(voxdir) : NULL;                                               \
    }
VOICES
