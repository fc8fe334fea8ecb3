#!/usr/bin/env bash
# `make demo`: the main job end to end on examples/, with the embedded SQLite ledger.
#   1. a dry-run scan of every sample document;
#   2. the review chain on a real ledger (demo-out/secreview.db): drafter submits, the
#      保密审查员 reviews, the leader signs, the drafter publishes; a blocked roster is
#      rejected and comes back as a corrected revision;
#   3. the CMS gate (`check`), a checkpoint, `ledger verify`, the sweep and the audit (台账);
#   4. an insider with the database file forges a leader's approval: verify names it,
#      `check` and `publish` refuse;
#   5. the review desk (`secreview serve`) starts on a loopback port and answers.
# Every user has their own passphrase (random, in demo-out/keys/, files 0600): nothing
# prompts, and nobody can act in another's name.
set -u
BIN=${1:-.venv/bin}
cd "$(dirname "$0")/.."
SR="$BIN/secreview"
PY="$BIN/python"
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT/published"
export SECREVIEW_DB="$OUT/secreview.db"
export SECREVIEW_HOME="$OUT/home"   # the auditor's checkpoint file lives here, not in ~
KEYS="$OUT/keys"
(umask 077 && mkdir -p "$KEYS")
unset SECREVIEW_PASSPHRASE SECREVIEW_USER

# Bold headings on a terminal only: a log or a pipe gets no escape codes.
if [ -t 1 ]; then BOLD=$'\033[1m' NORM=$'\033[0m'; else BOLD='' NORM=''; fi
say() { printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$NORM"; }
field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
# A random passphrase per user, in an owner-only file (the demo's stand-in for a person).
newpass() { (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(18))' > "$KEYS/$1.pw"); }
# Act as a user: their name and their own passphrase file.
act() { local who=$1; shift; "$SR" --as "$who" --passphrase-file "$KEYS/$who.pw" "$@"; }

say "1. 试审查（scan，不写台账）：examples/"
"$SR" scan --recursive examples/
echo "(scan exit status $? — 0 all pass, 1 findings need review or block, 2 unreadable input)"

say "2. 建立台账和首位管理员；登记用户，各人用一次性登记码设置自己的口令"
newpass 管理员
act 管理员 init --admin 管理员 --office 示例县人民政府办公室
enrol() {  # the admin registers NAME; NAME enrols with the one-time code
  local name=$1; shift
  local code
  code=$(act 管理员 user add "$name" "$@" --format json | field enrol_code)
  echo "「$name」的一次性登记码：$code"
  newpass "$name"
  "$SR" --passphrase-file "$KEYS/$name.pw" user enroll "$name" --code "$code"
}
enrol 张拟稿 --role drafter --dept 办公室 --dept 人社局
enrol 李审查 --role reviewer
enrol 王领导 --role leader --dept 办公室 --dept 人社局
enrol 孙审计 --role auditor
act 管理员 user list

say "3. 一般通知：审查通过 → 领导签批 → 发布"
A=$(act 张拟稿 submit examples/供暖服务通知.txt --title "关于做好2026年冬季供暖服务保障工作的通知" \
      --dept 办公室 --channel 政府网站 --format json | field id)
echo "提交：$A"
act 王领导 queue
act 王领导 sign "$A" --approve --comment "同意公开"
cp examples/供暖服务通知.txt "$OUT/published/"
act 张拟稿 publish "$A" --channel 政府网站 --url "https://www.example.gov.cn/xxgk/供暖服务通知.txt"

say "4. 补贴名单含完整身份证号：审查员退回 → 脱敏后重新提交 → 签批 → 发布"
B=$(act 张拟稿 submit examples/创业补贴发放名单.xlsx --title "2026年第三批一次性创业补贴发放名单" \
      --dept 人社局 --channel 政府网站 --format json | field id)
echo "提交：$B"
act 李审查 queue
act 李审查 show "$B"
act 李审查 review "$B" --reject --comment "身份证号、手机号未脱敏，请按规定处理后重新提交"
act 张拟稿 submit examples/revised/创业补贴发放名单.xlsx --revises "$B"
act 王领导 sign "$B" --approve --comment "已脱敏，同意公开"
cp examples/revised/创业补贴发放名单.xlsx "$OUT/published/"
act 张拟稿 publish "$B" --channel 政府网站 --url "https://www.example.gov.cn/xxgk/创业补贴发放名单.xlsx"

say "5. 带有密级标志的会议纪要：提交即被拦截，不得签批"
C=$(act 张拟稿 submit examples/安委会会议纪要.docx --title "区安委会第四次全体会议纪要" \
      --dept 办公室 --format json | field id)
echo "提交：$C"
act 王领导 sign "$C" --approve || echo "(如上：未经保密审查员审查、存在禁止公开的问题，领导不能签批)"
act 李审查 review "$C" --reject --comment "标有密级，不得公开"

say "6. 网站发布前的核验（check）：只有签批过的原文件才放行"
"$SR" check examples/revised/创业补贴发放名单.xlsx; echo "(exit $?)"
"$SR" check examples/创业补贴发放名单.xlsx; echo "(exit $? — 未签批的版本不得发布)"

say "7. 审计员记录检查点，台账校验（ledger verify：哈希链、每条签名、审批规则、存档文件、检查点）"
act 孙审计 ledger checkpoint
"$SR" ledger verify

say "8. 定期梳理（sweep）：用今天的规则和模型复查网站目录"
# 模拟网站目录里混入一份从未送审的文件
cp examples/内部情况通报.pdf "$OUT/published/"
act 孙审计 sweep "$OUT/published" || echo "(sweep exit $? — 有需要关注的文件)"

say "9. 保密审查台账（audit）"
YEAR=$(date +%Y)
act 孙审计 audit --from "$YEAR-01-01" --to "$YEAR-12-31" --office 示例县人民政府办公室
act 孙审计 audit --from "$YEAR-01-01" --to "$YEAR-12-31" --office 示例县人民政府办公室 \
    --format pdf -o "$OUT/保密审查台账.pdf"
echo
echo "台账 PDF：$(pwd)/$OUT/保密审查台账.pdf"

say "10. 冒名与伪造：拟稿人只知道自己的口令"
"$SR" --as 王领导 --passphrase-file "$KEYS/张拟稿.pw" sign "$C" --approve 2>&1 || true
echo "(--as 只是声明身份；没有王领导本人的口令，什么也写不进台账)"
FORGED="$OUT/forged.db"
cp "$SECREVIEW_DB" "$FORGED"; cp -r "$SECREVIEW_DB.blobs" "$FORGED.blobs"
echo "持有数据库文件的人在副本 $FORGED 上直接追加一条「王领导同意」的签批记录，哈希链重新算好："
"$PY" - "$FORGED" "$C" <<'PYEOF'
import json, sqlite3, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from secreview.ledger.canonical import canonical, event_bytes, event_hash
db, sid = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db)
last = conn.execute("SELECT seq, ts, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
sha = json.loads(conn.execute(
    "SELECT payload FROM events WHERE action='submit' AND submission_id=? ORDER BY seq DESC", (sid,)
).fetchone()[0])["sha256"]
payload = canonical({"decision": "approve", "accept_dismissals": True, "accepted": [],
                     "comment": "同意", "sha256": sha})
seq = last[0] + 1
data = event_bytes(last[2], seq, last[1], "王领导", "sign", sid, 1, payload)
sig = Ed25519PrivateKey.generate().sign(data)  # not 王领导's key: nobody but him has it
conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)",
             (seq, last[1], "王领导", "sign", sid, 1, payload, last[2], event_hash(data, sig), sig.hex()))
conn.commit()
print(f"  伪造的第 {seq} 条：王领导 签批 {sid} 同意")
PYEOF
"$SR" --db "$FORGED" ledger verify || echo "(verify exit $? — 伪造的签批被发现，并指出是第几条)"
"$SR" --db "$FORGED" check examples/安委会会议纪要.docx || echo "(check exit $? — 网站核验拒绝放行)"
act 张拟稿 --db "$FORGED" publish "$C" || echo "(publish exit $? — 拒绝登记公开)"
echo "(以上为副本；正式台账 $SECREVIEW_DB 未受影响)"

say "11. 审查台（网页）：secreview serve"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SR" serve --bind "127.0.0.1:$PORT" 2>"$OUT/serve.log" &
SERVE=$!
"$PY" - "$PORT" <<'PYEOF'
import sys, time, urllib.request
port = sys.argv[1]
for _ in range(100):
    try:
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read().decode()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("审查台未能启动")
title = page.split("<title>", 1)[1].split("</title>", 1)[0]
print(f"  审查台已在 http://127.0.0.1:{port}/ 运行，登录页：{title}")
PYEOF
kill "$SERVE" 2>/dev/null; wait "$SERVE" 2>/dev/null
echo "自己打开：$SR --db $SECREVIEW_DB serve，然后在浏览器中访问 http://127.0.0.1:8765/ ，"
echo "用 demo-out/keys/ 中各人的口令登录（张拟稿、李审查、王领导、孙审计……）。"
