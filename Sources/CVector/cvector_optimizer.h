// The optimizer's update (cvector.h), compiled with cvector_body.h by its three compilations. Swift's
// SIMD types compile to SSE2 here, four floats an instruction and a square root and a division each
// per four; this is the same arithmetic sixteen floats at a time in the CPU's widest registers.

TARGET void NAME(ptune_adam_update)(float *p, const float *g, float *m, float *v, long count,
                                    const ptune_adam_constants *k) {
    const float b1 = k->beta1, b2 = k->beta2, scale = k->gradient_scale, l2 = k->l2, decayed = k->decayed;
    const float step_size = k->step_size, correction2 = k->correction2, eps = k->epsilon;
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        v16f pi = NAME(load)(p + i, 16);
        v16f gi = NAME(load)(g + i, 16) * scale + l2 * pi;
        pi = pi * decayed;
        v16f mi = b1 * NAME(load)(m + i, 16) + (1 - b1) * gi;
        v16f vi = b2 * NAME(load)(v + i, 16) + (1 - b2) * gi * gi;
        pi = pi - step_size * mi / (__builtin_elementwise_sqrt(vi) / correction2 + eps);
        NAME(store)(p + i, pi, 16);
        NAME(store)(m + i, mi, 16);
        NAME(store)(v + i, vi, 16);
    }
    for (; i < count; i++) {
        float gi = g[i] * scale + l2 * p[i];
        p[i] = p[i] * decayed;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        p[i] = p[i] - step_size * m[i] / (sqrtf(v[i]) / correction2 + eps);
    }
}

TARGET double NAME(ptune_sum_squares)(const float *x, long count) {
    v16d lanes = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        v16d v = __builtin_convertvector(NAME(load)(x + i, 16), v16d);
        lanes = lanes + v * v;
    }
    for (; i < count; i++) lanes[i % 16] += (double)x[i] * (double)x[i];
    double sum = 0;
    for (int lane = 0; lane < 16; lane++) sum += lanes[lane];
    return sum;
}
