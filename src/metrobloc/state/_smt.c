/* The node's state tree in C: the same function as metrobloc.merkle.smt.SparseMerkleTree
 * (docs/spec/state-proofs.md), kept in memory and updated in place, for speed and memory.
 *
 * A tree reference (Ref) is a tagged pointer: 0 is the empty subtree, an odd value a Leaf, an
 * even one an Inner node. Nodes come from two slab pools (48 and 96 bytes, no per-node malloc
 * header); a freed node goes on its pool's free list and is reused by the next update. Hashing
 * uses libcrypto's SHA256_Init/Update/Final: the one-shot and EVP calls cost several times more
 * for inputs this short. The GIL is held throughout. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HASH 32
#define MAX_DEPTH 256
#define LEAF_TAG 0x02
#define NODE_TAG 0x03
#define SLAB_FIRST 4096
#define SLAB_MAX (1 << 20)
#define SLAB_HEADER 16 /* keeps nodes 16-byte aligned, so a node's low bit is free for the tag */

typedef uintptr_t Ref;

typedef struct {
    uint8_t hash[HASH];
    Ref left, right;
} Inner;

typedef struct {
    uint8_t kh[HASH]; /* kh and vh are adjacent: the leaf hash reads them as one 64-byte run */
    uint8_t vh[HASH];
    uint8_t hash[HASH];
} Leaf;

#define IS_LEAF(r) ((r) & 1u)
#define AS_LEAF(r) ((Leaf *)((r) & ~(Ref)1))
#define AS_INNER(r) ((Inner *)(r))
#define LEAF_REF(p) ((Ref)(p) | 1u)

static const uint8_t EMPTY[HASH];

typedef struct Slab {
    struct Slab *next;
} Slab;

typedef struct {
    size_t size;                                    /* bytes per node */
    void *free;                                     /* freed nodes, linked through their first word */
    char *cur, *end;                                /* the unused tail of the newest slab */
    Slab *slabs;
    size_t next_slab;                               /* the next slab's size: doubles up to SLAB_MAX */
    size_t total;                                   /* bytes of all slabs */
    _Alignas(16) unsigned char scratch[sizeof(Leaf)]; /* handed out once an allocation has failed */
} Pool;

typedef struct {
    PyObject_HEAD
    Ref root;
    Py_ssize_t size;
    Pool inners, leaves;
    int broken; /* an allocation failed mid-update: the tree no longer holds a state */
} TreeObject;

/* ---- nodes ---------------------------------------------------------------------------------- */

static void pool_init(Pool *p, size_t size) {
    memset(p, 0, sizeof *p);
    p->size = size;
    p->next_slab = SLAB_FIRST;
}

static void pool_clear(Pool *p) {
    while (p->slabs) {
        Slab *next = p->slabs->next;
        free(p->slabs);
        p->slabs = next;
    }
    pool_init(p, p->size);
}

/* A node's memory. After a failed allocation it hands out the pool's scratch node and marks the
 * tree broken, so the descent under way finishes without dereferencing NULL; a broken tree
 * refuses every later call but dealloc, which frees the slabs without walking the nodes. */
static void *pool_alloc(Pool *p, int *broken) {
    if (*broken)
        return p->scratch;
    if (p->free) {
        void *node = p->free;
        p->free = *(void **)node;
        return node;
    }
    if (p->cur + p->size > p->end) {
        Slab *slab = malloc(p->next_slab);
        if (slab == NULL) {
            *broken = 1;
            return p->scratch;
        }
        slab->next = p->slabs;
        p->slabs = slab;
        p->total += p->next_slab;
        p->cur = (char *)slab + SLAB_HEADER;
        p->end = (char *)slab + p->next_slab;
        if (p->next_slab < SLAB_MAX)
            p->next_slab *= 2;
    }
    void *node = p->cur;
    p->cur += p->size;
    return node;
}

static void pool_free(Pool *p, void *node) {
    if (node == (void *)p->scratch)
        return;
    *(void **)node = p->free;
    p->free = node;
}

static const uint8_t *hash_of(Ref r) {
    if (r == 0)
        return EMPTY;
    return IS_LEAF(r) ? AS_LEAF(r)->hash : AS_INNER(r)->hash;
}

static void hash_leaf(Leaf *leaf) {
    static const uint8_t tag = LEAF_TAG;
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, &tag, 1);
    SHA256_Update(&ctx, leaf->kh, 2 * HASH);
    SHA256_Final(leaf->hash, &ctx);
}

static void hash_inner(Inner *node) {
    uint8_t buf[1 + 2 * HASH];
    SHA256_CTX ctx;
    buf[0] = NODE_TAG;
    memcpy(buf + 1, hash_of(node->left), HASH);
    memcpy(buf + 1 + HASH, hash_of(node->right), HASH);
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, buf, sizeof buf);
    SHA256_Final(node->hash, &ctx);
}

static inline int bit(const uint8_t *kh, int depth) {
    return kh[depth >> 3] >> (7 - (depth & 7)) & 1;
}

/* ---- one descent over a sorted batch -------------------------------------------------------- */

typedef struct {
    uint8_t kh[HASH];
    uint8_t vh[HASH];
    uint8_t live; /* 0: the write deletes the key */
} Write;

/* A key-value of a subtree being rebuilt: a write's hashes, or a leaf that stays as it is. */
typedef struct {
    const uint8_t *kh, *vh;
    Leaf *keep;
} Entry;

typedef struct {
    TreeObject *tree;
    const Write *writes; /* sorted by key hash, one per key */
    Entry *entries;      /* room for the largest subtree rebuilt: every write and one leaf */
    Py_ssize_t grown;    /* the change in the number of keys */
} Batch;

/* The first index in [lo, hi) whose key hash has bit `depth` set (the keys share the bits above). */
#define SPLIT(array, kh_field)                                                                      \
    while (lo < hi) {                                                                               \
        size_t mid = lo + (hi - lo) / 2;                                                            \
        if (bit(array[mid] kh_field, depth))                                                        \
            hi = mid;                                                                               \
        else                                                                                        \
            lo = mid + 1;                                                                           \
    }                                                                                               \
    return lo;

static size_t split_writes(const Write *w, size_t lo, size_t hi, int depth) { SPLIT(w, .kh) }
static size_t split_entries(const Entry *e, size_t lo, size_t hi, int depth) { SPLIT(e, .kh) }

/* The subtree over entries [lo, hi) (two or more make a node, even when they all go one way). */
static Ref build(TreeObject *t, const Entry *e, size_t lo, size_t hi, int depth) {
    if (lo == hi)
        return 0;
    if (hi - lo == 1) {
        if (e[lo].keep)
            return LEAF_REF(e[lo].keep);
        Leaf *leaf = pool_alloc(&t->leaves, &t->broken);
        memcpy(leaf->kh, e[lo].kh, HASH);
        memcpy(leaf->vh, e[lo].vh, HASH);
        hash_leaf(leaf);
        return LEAF_REF(leaf);
    }
    size_t mid = split_entries(e, lo, hi, depth);
    Ref left = build(t, e, lo, mid, depth + 1);
    Ref right = build(t, e, mid, hi, depth + 1);
    Inner *node = pool_alloc(&t->inners, &t->broken);
    node->left = left;
    node->right = right;
    hash_inner(node);
    return (Ref)node;
}

/* Writes [lo, hi) landing on an empty subtree or a lone leaf: the subtree of what is then live. */
static Ref rebuild(Batch *b, Ref r, size_t lo, size_t hi, int depth) {
    Leaf *old = r ? AS_LEAF(r) : NULL;
    int placed = old == NULL, replaced = 0;
    size_t m = 0;
    for (size_t i = lo; i < hi; i++) {
        const Write *w = &b->writes[i];
        if (!placed) {
            int order = memcmp(old->kh, w->kh, HASH);
            if (order <= 0) {
                placed = 1;
                replaced = order == 0;
                if (order < 0)
                    b->entries[m++] = (Entry){old->kh, old->vh, old};
            }
        }
        if (w->live)
            b->entries[m++] = (Entry){w->kh, w->vh, NULL};
    }
    if (!placed)
        b->entries[m++] = (Entry){old->kh, old->vh, old};
    if (replaced)
        pool_free(&b->tree->leaves, old);
    b->grown += (Py_ssize_t)m - (old != NULL);
    return build(b->tree, b->entries, 0, m, depth);
}

/* A node whose children changed, or the lone leaf (or emptiness) that now floats up past it. */
static Ref join(TreeObject *t, Inner *node, Ref left, Ref right) {
    if ((left == 0 && (right == 0 || IS_LEAF(right))) || (right == 0 && IS_LEAF(left))) {
        pool_free(&t->inners, node);
        return left | right;
    }
    node->left = left;
    node->right = right;
    hash_inner(node);
    return (Ref)node;
}

static Ref descend(Batch *b, Ref r, size_t lo, size_t hi, int depth) {
    if (lo == hi)
        return r;
    if (r == 0 || IS_LEAF(r))
        return rebuild(b, r, lo, hi, depth);
    Inner *node = AS_INNER(r);
    /* Rehashing the node reads both children's hashes: fetch them now, while the writes descend. */
    __builtin_prefetch(hash_of(node->left));
    __builtin_prefetch(hash_of(node->right));
    size_t mid = split_writes(b->writes, lo, hi, depth);
    Ref left = descend(b, node->left, lo, mid, depth + 1);
    Ref right = descend(b, node->right, mid, hi, depth + 1);
    return join(b->tree, node, left, right);
}

/* ---- reading the batch from Python ---------------------------------------------------------- */

static int hash_bytes(PyObject *obj, uint8_t out[HASH]) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    if (PyBytes_Check(obj)) {
        SHA256_Update(&ctx, PyBytes_AS_STRING(obj), (size_t)PyBytes_GET_SIZE(obj));
    } else {
        Py_buffer view;
        if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
            return -1;
        SHA256_Update(&ctx, view.buf, (size_t)view.len);
        PyBuffer_Release(&view);
    }
    SHA256_Final(out, &ctx);
    return 0;
}

static int read_write(Write *w, PyObject *key, PyObject *value) {
    if (hash_bytes(key, w->kh) < 0)
        return -1;
    w->live = value != Py_None;
    if (!w->live) {
        memset(w->vh, 0, HASH);
        return 0;
    }
    return hash_bytes(value, w->vh);
}

static int read_pair(Write *w, PyObject *item) {
    if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2)
        return read_write(w, PyTuple_GET_ITEM(item, 0), PyTuple_GET_ITEM(item, 1));
    PyObject *pair = PySequence_Fast(item, "a write is a (key, value) pair");
    if (pair == NULL)
        return -1;
    int rc = -1;
    if (PySequence_Fast_GET_SIZE(pair) != 2)
        PyErr_SetString(PyExc_ValueError, "a write is a (key, value) pair");
    else
        rc = read_write(w, PySequence_Fast_GET_ITEM(pair, 0), PySequence_Fast_GET_ITEM(pair, 1));
    Py_DECREF(pair);
    return rc;
}

static Write *read_dict(PyObject *dict, size_t *count) {
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    Write *writes = malloc(((size_t)PyDict_GET_SIZE(dict) + 1) * sizeof(Write));
    if (writes == NULL)
        return (Write *)PyErr_NoMemory();
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (read_write(&writes[i++], key, value) < 0) {
            free(writes);
            return NULL;
        }
    }
    *count = (size_t)i;
    return writes;
}

static Write *read_pairs(PyObject *iterable, size_t *count) {
    PyObject *seq = PySequence_Fast(iterable, "writes are a dict or an iterable of (key, value) pairs");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    Write *writes = malloc(((size_t)n + 1) * sizeof(Write));
    if (writes == NULL) {
        Py_DECREF(seq);
        return (Write *)PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (read_pair(&writes[i], PySequence_Fast_GET_ITEM(seq, i)) < 0) {
            free(writes);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    *count = (size_t)n;
    return writes;
}

static int compare_writes(const void *a, const void *b) {
    return memcmp(((const Write *)a)->kh, ((const Write *)b)->kh, HASH);
}

/* The batch hashed and sorted by key hash; NULL with an exception set when it is not one. */
static Write *read_batch(PyObject *arg, size_t *count) {
    Write *writes;
    if (PyDict_Check(arg)) {
        writes = read_dict(arg, count);
    } else if (!PyList_Check(arg) && !PyTuple_Check(arg) && PyObject_HasAttrString(arg, "items")) {
        PyObject *items = PyObject_CallMethod(arg, "items", NULL);
        if (items == NULL)
            return NULL;
        writes = read_pairs(items, count);
        Py_DECREF(items);
    } else {
        writes = read_pairs(arg, count);
    }
    if (writes == NULL)
        return NULL;
    qsort(writes, *count, sizeof(Write), compare_writes);
    for (size_t i = 1; i < *count; i++) {
        if (memcmp(writes[i - 1].kh, writes[i].kh, HASH) == 0) {
            free(writes);
            PyErr_SetString(PyExc_ValueError, "one write per key");
            return NULL;
        }
    }
    return writes;
}

/* ---- the Tree type -------------------------------------------------------------------------- */

static int refuse_if_broken(TreeObject *self) {
    if (self->broken)
        PyErr_SetString(PyExc_RuntimeError, "the state tree ran out of memory during an update: rebuild it");
    return self->broken;
}

static PyObject *root_bytes(TreeObject *self) {
    return PyBytes_FromStringAndSize((const char *)hash_of(self->root), HASH);
}

static PyObject *Tree_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    if (PyTuple_GET_SIZE(args) != 0 || (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Tree() takes no arguments");
        return NULL;
    }
    TreeObject *self = (TreeObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    pool_init(&self->inners, sizeof(Inner));
    pool_init(&self->leaves, sizeof(Leaf));
    return (PyObject *)self;
}

static void Tree_dealloc(TreeObject *self) {
    pool_clear(&self->inners);
    pool_clear(&self->leaves);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Tree_update(TreeObject *self, PyObject *arg) {
    if (refuse_if_broken(self))
        return NULL;
    size_t n;
    Write *writes = read_batch(arg, &n);
    if (writes == NULL)
        return NULL;
    Entry *entries = malloc((n + 1) * sizeof(Entry));
    if (entries == NULL) {
        free(writes);
        return PyErr_NoMemory();
    }
    Batch batch = {self, writes, entries, 0};
    self->root = descend(&batch, self->root, 0, n, 0);
    self->size += batch.grown;
    free(entries);
    free(writes);
    if (self->broken)
        return PyErr_NoMemory();
    return root_bytes(self);
}

static PyObject *Tree_root(TreeObject *self, PyObject *Py_UNUSED(ignored)) {
    if (refuse_if_broken(self))
        return NULL;
    return root_bytes(self);
}

static Py_ssize_t Tree_len(TreeObject *self) {
    if (refuse_if_broken(self))
        return -1;
    return self->size;
}

/* Walks towards a key hash while the subtree is a node; returns where it stops (0 or a leaf). */
static Ref walk(TreeObject *self, const uint8_t *kh, const uint8_t **siblings, int *depth) {
    Ref r = self->root;
    *depth = 0;
    while (r != 0 && !IS_LEAF(r)) {
        Inner *node = AS_INNER(r);
        int right = bit(kh, *depth);
        if (siblings)
            siblings[*depth] = hash_of(right ? node->left : node->right);
        r = right ? node->right : node->left;
        (*depth)++;
    }
    return r;
}

static PyObject *Tree_prove(TreeObject *self, PyObject *key) {
    uint8_t kh[HASH];
    const uint8_t *siblings[MAX_DEPTH];
    int depth;
    if (refuse_if_broken(self) || hash_bytes(key, kh) < 0)
        return NULL;
    Ref end = walk(self, kh, siblings, &depth);
    PyObject *path = PyTuple_New(depth);
    if (path == NULL)
        return NULL;
    for (int i = 0; i < depth; i++) {
        PyObject *sibling = PyBytes_FromStringAndSize((const char *)siblings[depth - 1 - i], HASH);
        if (sibling == NULL) {
            Py_DECREF(path);
            return NULL;
        }
        PyTuple_SET_ITEM(path, i, sibling);
    }
    if (end == 0)
        return Py_BuildValue("(ON)", Py_None, path);
    Leaf *leaf = AS_LEAF(end);
    return Py_BuildValue("((y#y#)N)", leaf->kh, (Py_ssize_t)HASH, leaf->vh, (Py_ssize_t)HASH, path);
}

static PyObject *Tree_get_hash(TreeObject *self, PyObject *key) {
    uint8_t kh[HASH];
    int depth;
    if (refuse_if_broken(self) || hash_bytes(key, kh) < 0)
        return NULL;
    Ref end = walk(self, kh, NULL, &depth);
    if (end == 0 || memcmp(AS_LEAF(end)->kh, kh, HASH) != 0)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)AS_LEAF(end)->vh, HASH);
}

static PyObject *Tree_memory(TreeObject *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromSize_t(self->inners.total + self->leaves.total);
}

static PyMethodDef Tree_methods[] = {
    {"update", (PyCFunction)Tree_update, METH_O,
     "update(writes) -> bytes\n--\n\nApply key -> value writes (a dict, or (key, value) pairs; None deletes; "
     "one write per key) in one descent and return the new root."},
    {"root", (PyCFunction)Tree_root, METH_NOARGS, "root() -> bytes\n--\n\nThe root hash (32 zero bytes when empty)."},
    {"prove", (PyCFunction)Tree_prove, METH_O,
     "prove(key) -> (leaf, siblings)\n--\n\nThe state proof's leaf ((key hash, value hash) or None) and its "
     "siblings, the leaf side first."},
    {"get_hash", (PyCFunction)Tree_get_hash, METH_O,
     "get_hash(key) -> bytes | None\n--\n\nThe value hash stored for key, or None."},
    {"memory", (PyCFunction)Tree_memory, METH_NOARGS,
     "memory() -> int\n--\n\nBytes of the slabs that hold the tree's nodes."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Tree_as_sequence = {
    .sq_length = (lenfunc)Tree_len,
};

static PyTypeObject TreeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "metrobloc.state._smt.Tree",
    .tp_doc = PyDoc_STR("Tree()\n--\n\nThe state tree (docs/spec/state-proofs.md), in memory."),
    .tp_basicsize = sizeof(TreeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Tree_new,
    .tp_dealloc = (destructor)Tree_dealloc,
    .tp_methods = Tree_methods,
    .tp_as_sequence = &Tree_as_sequence,
};

static struct PyModuleDef smt_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "metrobloc.state._smt",
    .m_doc = "The node's state tree in C (the same roots and proofs as metrobloc.merkle.smt).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__smt(void) {
    if (PyType_Ready(&TreeType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&smt_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&TreeType);
    if (PyModule_AddObject(module, "Tree", (PyObject *)&TreeType) < 0) {
        Py_DECREF(&TreeType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
