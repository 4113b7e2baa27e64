import { OPEN_PATHS } from '../../src/http/webGuard';
import { readText, readYaml, template, templateFiles } from './lib/chart';
import { actions, checkTemplate, definedNames, usedNames } from './lib/gotemplate';

describe('Go template checker', () => {
  it.each([
    ['plain text', 'a: b\n'],
    ['if / else if / else / end with trim markers', '{{- if .a -}}x{{- else if .b }}y{{ else }}z{{ end -}}'],
    ['range with else, break and continue', '{{ range .xs }}{{ if . }}{{ break }}{{ end }}{{ continue }}{{ else }}none{{ end }}'],
    ['with / else', '{{ with .a }}{{ . }}{{ else }}{{ with .b }}{{ . }}{{ end }}{{ end }}'],
    ['define at top level', '{{- define "x" -}}\n{{ .Values.a | default "b" }}\n{{- end }}'],
    ['"}}" inside a string', '{{ "}}" | quote }}'],
    ['"}}" inside a raw string', '{{ `}}\n{{` }}'],
    ['a character constant', "{{ if eq .c '}' }}x{{ end }}"],
    ['delimiters inside a comment', '{{/* {{ if }} is not parsed here */}}'],
    ['a trimmed comment', '{{- /* note */ -}}'],
    ['nested parentheses', '{{ include "x" (dict "a" (list 1 (add 1 2))) }}'],
    ['escaped quote', '{{ "a\\"}}b" }}'],
    ['negative number, not a trim marker', '{{-3}}'],
  ])('accepts %s', (_name, src) => {
    expect(checkTemplate(src)).toEqual([]);
  });

  it.each([
    ['an if without end', '{{ if .a }}x', /has no \{\{ end \}\}/],
    ['an end too many', '{{ if .a }}x{{ end }}{{ end }}', /end \}\} without an open block/],
    ['an unclosed action', 'a: {{ .Values.a\nb: c', /unclosed action/],
    ['a stray "}}" (plain text to Go, a typo in a chart)', 'a: { .Values.a }}', /without an opening/],
    ['else with (older Helm cannot parse it)', '{{ with .a }}1{{ else with .b }}2{{ end }}', /needs Go 1\.23/],
    ['"{{" inside an action', '{{ if .a {{ end }}', /inside the action/],
    ['an else after the final else', '{{ if .a }}1{{ else }}2{{ else }}3{{ end }}', /after the final/],
    ['an else if after the final else', '{{ if .a }}1{{ else }}2{{ else if .b }}3{{ end }}', /after the final/],
    ['an else outside a block', 'x{{ else }}y', /outside if\/range\/with/],
    ['an else inside define', '{{ define "x" }}{{ else }}{{ end }}', /outside if\/range\/with/],
    ['a define inside if', '{{ if .a }}{{ define "x" }}{{ end }}{{ end }}', /define inside/],
    ['an unterminated string', '{{ .a | default "b }}', /unterminated string/],
    ['an unterminated raw string', '{{ `abc }}', /unterminated raw string/],
    ['an unclosed comment', '{{/* note }}', /unclosed comment/],
    ['a comment not closed right after */', '{{/* note */ }}', /comment ends/],
    ['a comment after a plain space', '{{ /* note */}}', /comment must start/],
    ['an empty action', '{{ }}', /empty action/],
    ['an unbalanced parenthesis', '{{ include "x" (dict "a" 1 }}', /unclosed "\("/],
    ['a closing parenthesis too many', '{{ .a) }}', /unexpected "\)"/],
    ['break outside range', '{{ if .a }}{{ break }}{{ end }}', /outside range/],
    ['if without a condition', '{{ if }}x{{ end }}', /without an argument/],
  ])('rejects %s', (_name, src, message) => {
    const problems = checkTemplate(src);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.message).join('\n')).toMatch(message);
    for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(1);
  });

  it('reports the line of the unclosed block', () => {
    expect(checkTemplate('a\nb\n{{ range .x }}\nc\n')).toEqual([
      { line: 3, message: '{{ range }} of line 3 has no {{ end }}' },
    ]);
  });
});

describe('chart templates', () => {
  const files = templateFiles();

  it('has the expected templates', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'NOTES.txt',
        '_helpers.tpl',
        'configmap.yaml',
        'deployment.yaml',
        'grafana-dashboards.yaml',
        'prometheusrule.yaml',
        'secret.yaml',
        'service.yaml',
        'serviceaccount.yaml',
        'servicemonitor.yaml',
        'tests/test-connection.yaml',
      ]),
    );
  });

  it.each(templateFiles())('%s is well-formed Go template markup', (file) => {
    const problems = checkTemplate(template(file));
    expect(problems.map((p) => `${file}:${p.line}: ${p.message}`)).toEqual([]);
  });

  it('includes only templates that are defined', () => {
    const defined = new Set(files.flatMap((f) => definedNames(template(f))));
    const used = new Set(files.flatMap((f) => usedNames(template(f))));
    expect([...used].filter((n) => !defined.has(n))).toEqual([]);
    expect(defined.size).toBeGreaterThan(5);
  });

  it('never evaluates file contents with tpl (alert rules and dashboards hold {{ $labels.x }})', () => {
    for (const file of files) {
      const offending = actions(template(file)).filter((a) => /(^|[\s(|])tpl(\s|$)/.test(a.body));
      expect(offending.map((a) => `${file}:${a.line}: ${a.body}`)).toEqual([]);
    }
  });
});

describe('chart security and wiring', () => {
  const deployment = template('deployment.yaml');

  it('keeps credentials out of the ConfigMap', () => {
    const configmap = template('configmap.yaml');
    const code = actions(configmap).map((a) => a.body).join('\n');
    expect(code).not.toMatch(/\.Values\.auth\b/);
    expect(code).not.toMatch(/b64enc|secretName|\.Files\./);
    expect(code).toMatch(/toYaml \.Values\.config\b/);
  });

  it('prints credential values only in the Secret', () => {
    for (const file of templateFiles().filter((f) => f !== 'secret.yaml')) {
      const code = actions(template(file)).map((a) => a.body).join('\n');
      expect({ file, prints: /\.Values\.auth\.(bkAppSecret|accessToken|bkTicket|bkToken)\b|b64enc/.test(code) }).toEqual({
        file,
        prints: false,
      });
    }
    expect(template('secret.yaml')).toMatch(/kind: Secret/);
  });

  it('passes credentials as environment variables from a Secret', () => {
    const helpers = template('_helpers.tpl');
    for (const v of ['BK_APP_SECRET', 'BK_ACCESS_TOKEN', 'BK_TICKET', 'BK_TOKEN']) expect(helpers).toContain(`${v}:`);
    expect(deployment).toMatch(/secretKeyRef:\s+name: \{\{ \$secretName \}\}/);
  });

  it('probes /healthz for liveness and /readyz for readiness, never /metrics', () => {
    const liveness = deployment.slice(deployment.indexOf('livenessProbe:'), deployment.indexOf('readinessProbe:'));
    const readiness = deployment.slice(deployment.indexOf('readinessProbe:'));
    expect(liveness).toMatch(/httpGet:\s+path: \/healthz\s+port: http-metrics/);
    expect(readiness).toMatch(/httpGet:\s+path: \/readyz\s+port: http-metrics/);
    expect(deployment).not.toMatch(/path: \/metrics/);
  });

  it('probes and tests only paths the web config leaves open, and says so (src/http/webGuard.ts)', () => {
    const probed = [...deployment.matchAll(/httpGet:\s+path: (\S+)/g), ...template('tests/test-connection.yaml').matchAll(/:\/\/[^"/]+(\/\w+)"/g)].map((m) => m[1]);
    expect(probed.sort()).toEqual(['/healthz', '/healthz', '/readyz']);
    for (const p of probed) expect(OPEN_PATHS).toContain(p);
    // No comment may tell users to send credentials for them.
    const values = readText('helm/bkpaas-process-exporter/values.yaml');
    expect(values).not.toMatch(/basic auth covers \/(healthz|readyz)/i);
    expect(values).not.toMatch(/give probes an `httpHeaders` Authorization/);
    expect(values).toMatch(/Basic auth never covers \/healthz and \/readyz/);
  });

  it('rolls the pods when the config or the Secret changes', () => {
    expect(deployment).toMatch(/checksum\/config: \{\{ include \(print \$\.Template\.BasePath "\/configmap\.yaml"\) \. \| sha256sum \}\}/);
    expect(deployment).toMatch(/checksum\/secret: \{\{ include \(print \$\.Template\.BasePath "\/secret\.yaml"\) \. \| sha256sum \}\}/);
  });

  it('renders the pod and container security contexts from values with strict defaults', () => {
    expect(deployment).toMatch(/^ {6}securityContext:\n\s+\{\{- toYaml \.Values\.podSecurityContext \| nindent 8 \}\}/m);
    expect(deployment).toMatch(/^ {10}securityContext:\n\s+\{\{- toYaml \.Values\.securityContext \| nindent 12 \}\}/m);
    expect(deployment).toMatch(/automountServiceAccountToken: \{\{ \.Values\.automountServiceAccountToken \}\}/);
    const values = readYaml('helm/bkpaas-process-exporter/values.yaml') as Record<string, unknown>;
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(values.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(values.automountServiceAccountToken).toBe(false);
    expect(values.resources).toEqual({});
  });

  it('mounts the ConfigMap at /etc/bkpaas-exporter/config.yaml and passes --config', () => {
    expect(deployment).toMatch(/- --config\n\s+- \/etc\/bkpaas-exporter\/config\.yaml/);
    expect(deployment).toMatch(/- name: config\n\s+mountPath: \/etc\/bkpaas-exporter\n\s+readOnly: true/);
    expect(deployment).toMatch(/configMap:\n\s+name: \{\{ include "bkpaas-process-exporter\.fullname" \. \}\}/);
  });

  it('shards through a StatefulSet with the pod index from the downward API', () => {
    expect(deployment).toMatch(/kind: \{\{ ternary "StatefulSet" "Deployment" \$sharded \}\}/);
    expect(deployment).toMatch(/serviceName: \{\{ include "bkpaas-process-exporter\.fullname" \. \}\}/);
    expect(deployment).toContain("fieldPath: metadata.labels['apps.kubernetes.io/pod-index']");
    expect(deployment).toMatch(/- --shard\n\s+- \$\(POD_INDEX\)\n\s+- --total-shards\n\s+- \{\{ \.Values\.sharding\.replicas \| quote \}\}/);
    expect(template('service.yaml')).toMatch(/\{\{- if \.Values\.sharding\.enabled \}\}\n\s+clusterIP: None/);
  });

  it('exposes port http-metrics on the container, the Service and the ServiceMonitor', () => {
    expect(deployment).toMatch(/- name: http-metrics\n\s+containerPort:/);
    expect(template('service.yaml')).toMatch(/- name: http-metrics\n\s+port: \{\{ \.Values\.service\.port \}\}\n\s+targetPort: http-metrics/);
    expect(template('servicemonitor.yaml')).toMatch(/- port: http-metrics\n\s+path: \/metrics/);
    const values = readYaml('helm/bkpaas-process-exporter/values.yaml') as { service: { port: number } };
    expect(values.service.port).toBe(9876);
  });

  it('inserts the alert rules and dashboards from files/ as data', () => {
    expect(template('prometheusrule.yaml')).toContain('.Files.Get "files/alerts.yaml" | fromYaml');
    expect(template('grafana-dashboards.yaml')).toContain('.Files.Glob "files/dashboards/*.json"');
    expect(template('grafana-dashboards.yaml')).toContain('.AsConfig');
  });

  it('has a helm test hook that GETs /healthz', () => {
    const test = template('tests/test-connection.yaml');
    expect(test).toContain('helm.sh/hook: test');
    expect(test).toMatch(/\/healthz"/);
  });
});
