import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { AppError } from '../../lib/errors/index.js';
import { enrollmentView } from '../../lib/enroll/index.js';
import { describeRoutes, publicRoute } from '../../lib/http/index.js';
import { ApproveEnrollmentBody, MachineEnrollmentBody, RedeemEnrollmentBody, RenewUserCertificateBody } from '../../lib/requests/index.js';
import { enrollmentWithCertificate } from './common.js';
import { approve, mintForMachine } from './machine.js';
import { redeem } from './redeem.js';
import { renewUserCertificate } from './renew.js';
import type { z } from 'zod';

/**
 * The enrollment front end: no Keystone token on any of these routes. A one-time password, or a
 * JWS signed with the key of a current user certificate, is the authentication; the RA decides,
 * the worker signs. Its own function and its own role, EnrollRole: the `system` partition of the
 * table and sending to the jobs queue only (no key, no Barbican, no tenant's records).
 */

const noSuchEnrollment = () => {
  throw new AppError('ENROLLMENT_NOT_FOUND', 404, 'No enrollment has that id; enrollment ids are UUIDs.');
};
const byId = { params: { id: 'enrollment' as const }, notFound: noSuchEnrollment };
const idOf = (event: APIGatewayProxyEventV2) => event.pathParameters!.id!;

const getEnrollment = publicRoute(byId, async ({ event, baseUrl }) => {
  const found = await enrollmentWithCertificate(idOf(event));
  if (!found) noSuchEnrollment();
  return { status: 200, body: { enrollment: enrollmentView(found!.e, found!.cert, found!.ca, baseUrl, new Date()) } };
});

const redeemRoute = publicRoute({ ...byId, body: RedeemEnrollmentBody }, ({ event, body, requestId, baseUrl }) =>
  redeem(idOf(event), body as z.infer<typeof RedeemEnrollmentBody>, requestId, baseUrl),
);

const approveRoute = publicRoute({ ...byId, body: ApproveEnrollmentBody }, ({ event, body, requestId, baseUrl }) =>
  approve(idOf(event), body as z.infer<typeof ApproveEnrollmentBody>, requestId, baseUrl),
);

const mintRoute = publicRoute({ params: {}, notFound: noSuchEnrollment, body: MachineEnrollmentBody }, ({ body, requestId, baseUrl }) =>
  mintForMachine(body as z.infer<typeof MachineEnrollmentBody>, requestId, baseUrl),
);

const renewRoute = publicRoute({ params: {}, notFound: noSuchEnrollment, body: RenewUserCertificateBody }, ({ body, requestId, baseUrl }) =>
  renewUserCertificate(body as z.infer<typeof RenewUserCertificateBody>, requestId, baseUrl),
);

const ROUTES: Record<string, typeof getEnrollment> = {
  'POST /v1/enrollments': mintRoute,
  'GET /v1/enrollments/{id}': getEnrollment,
  'POST /v1/enrollments/{id}/redeem': redeemRoute,
  'POST /v1/enrollments/{id}/approve': approveRoute,
  'POST /v1/user-certificates/renew': renewRoute,
};

export const handler = describeRoutes((event: APIGatewayProxyEventV2, context: Context) => {
  const route = ROUTES[event.routeKey];
  if (!route) throw new Error(`enroll serves no route ${event.routeKey}`);
  return route(event, context);
}, ROUTES);
