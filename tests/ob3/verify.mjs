// An independent verifier of an Open Badges 3.0 VC-JWT, following 1EdTech's OB 3.0 rules
// ("Verify a Credential", JSON Web Token Proof Format) with libraries Sala does not use:
// jose verifies the signature with the key the header's kid dereferences to (the remote
// key set), ajv validates the credential and the issuer Profile against 1EdTech's JSON Schema,
// and the credentialStatus (1EdTechRevocationList) is fetched to say whether it is revoked.
// Usage: node verify.mjs FILE.jwt   Prints one JSON object; exit 0 when the badge verifies
// (revoked or not: see "revoked"), 1 when it does not, 2 on a usage error.
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const here = new URL('.', import.meta.url);
const schema = (name) => JSON.parse(readFileSync(new URL('schema/' + name, here), 'utf8'));

async function getJson(url) {
	const r = await fetch(url, { headers: { Accept: 'application/json' } });
	if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
	return r.json();
}

async function main() {
	if (process.argv.length !== 3) {
		console.error('usage: node verify.mjs FILE.jwt');
		process.exit(2);
	}
	const jwt = readFileSync(process.argv[2], 'utf8').trim();
	const out = { verified: false, problems: [] };
	const problem = (m) => out.problems.push(m);
	const header = decodeProtectedHeader(jwt);
	out.header = header;
	if (!header.kid) throw new Error('the header has no kid');
	// The kid is a URI that dereferences to a JWK: a key set at its URL, the key named by the whole kid.
	const keySet = createRemoteJWKSet(new URL(header.kid.split('#')[0]));
	const { payload, protectedHeader } = await jwtVerify(jwt, keySet, { algorithms: ['EdDSA'], typ: 'JWT' });
	out.claims = { iss: payload.iss, jti: payload.jti, nbf: payload.nbf, sub: payload.sub, exp: payload.exp };
	out.alg = protectedHeader.alg;
	// The JWT payload is the credential; the claims must match it (OB 3.0 "Verify a Credential VC-JWT Signature").
	const issuerId = typeof payload.issuer === 'string' ? payload.issuer : payload.issuer?.id;
	if (payload.iss !== issuerId) problem(`iss ${payload.iss} is not issuer.id ${issuerId}`);
	if (payload.jti !== payload.id) problem(`jti ${payload.jti} is not id ${payload.id}`);
	if (payload.sub !== payload.credentialSubject?.id) problem(`sub ${payload.sub} is not credentialSubject.id`);
	if (typeof payload.nbf !== 'number' || new Date(payload.nbf * 1000).toISOString().replace('.000', '') !== payload.validFrom)
		problem(`nbf ${payload.nbf} is not validFrom ${payload.validFrom}`);
	if (payload.validUntil !== undefined &&
	    (typeof payload.exp !== 'number' || new Date(payload.exp * 1000).toISOString().replace('.000', '') !== payload.validUntil))
		problem(`exp ${payload.exp} is not validUntil ${payload.validUntil}`);
	// 1EdTech's JSON Schema for the credential and for the issuer Profile it points to.
	const ajv = new Ajv2019({ strict: false, allErrors: true });
	addFormats(ajv);
	const credValid = ajv.validate(schema('ob_v3p0_achievementcredential_schema.json'), payload);
	out.schemaErrors = credValid ? [] : ajv.errors.map((e) => `${e.instancePath} ${e.message}`);
	const profile = await getJson(issuerId);
	const profileValid = ajv.validate(schema('ob_v3p0_profile_schema.json'), profile);
	out.profileErrors = profileValid ? [] : ajv.errors.map((e) => `${e.instancePath} ${e.message}`);
	if (profile.id !== issuerId) problem(`the issuer profile's id ${profile.id} is not ${issuerId}`);
	// The same key in the did:web document of the issuer's site.
	const didDoc = await getJson(new URL('/.well-known/did.json', issuerId));
	const keys = (await getJson(header.kid.split('#')[0])).keys;
	const signing = keys.find((k) => k.kid === header.kid);
	out.didKey = (didDoc.verificationMethod || []).some((m) => m.publicKeyJwk?.x === signing?.x);
	if (!out.didKey) problem('the DID document does not name the signing key');
	// Revocation: the 1EdTechRevocationList lists the ids of revoked credentials.
	const status = payload.credentialStatus;
	if (!status || status.type !== '1EdTechRevocationList') {
		problem('no credentialStatus of type 1EdTechRevocationList');
	} else {
		const list = await getJson(status.id);
		if (list.issuer !== issuerId) problem(`the revocation list's issuer ${list.issuer} is not ${issuerId}`);
		const entry = (list.revokedCredentials || []).find((c) => c.id === payload.id);
		out.revoked = Boolean(entry);
		if (entry) out.revocationReason = entry.revocationReason;
	}
	out.verified = out.problems.length === 0 && credValid && profileValid;
	console.log(JSON.stringify(out));
	process.exit(out.verified ? 0 : 1);
}

main().catch((e) => {
	console.log(JSON.stringify({ verified: false, problems: [String(e && e.message ? e.message : e)] }));
	process.exit(1);
});
