/*
 * fake_attest.h - a test-only evidence platform for aTLS tests: the issuer
 * "signs" REPORT_DATA with an HMAC key, the validator checks it. Lets the
 * aTLS and HTTP tests run without SEV or the simulator.
 */
#ifndef CT_TEST_FAKE_ATTEST_H
#define CT_TEST_FAKE_ATTEST_H

#include "atls/atls.h"

struct fake_platform {
	uint8_t key[32];
	const char *claims; /* returned by the validator on success */
	/* Issuer misbehaviour for negative tests. */
	bool corrupt_report_data;
};

void fake_platform_init(struct fake_platform *p, uint8_t key_byte,
			const char *claims);
struct ct_atls_issuer fake_issuer(struct fake_platform *p);
struct ct_atls_validator fake_validator(struct fake_platform *p,
					const char *name);

#endif
