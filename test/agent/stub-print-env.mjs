#!/usr/bin/env node
// A stub agent that prints its whole environment as JSON (issue 22): what a process vigil
// starts for the agent can see, to be checked for vigil's credentials.
process.stdout.write(JSON.stringify(process.env));
