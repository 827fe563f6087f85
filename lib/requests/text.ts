import * as z from 'zod';
import { subjectTextProblem } from '../x509/index.js';

/** Text that goes into certificates or records as it is: well-formed Unicode, no control characters (lib/x509 subjectTextProblem). */
export const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((s, ctx) => {
      const problem = subjectTextProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `must not have ${problem}` });
    });

