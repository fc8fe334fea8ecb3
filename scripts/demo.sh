#!/usr/bin/env bash
# `make demo`: the main job end to end on examples/, with the embedded SQLite ledger.
#   1. a dry-run scan of every sample document;
#   2. the review chain on a real ledger (demo-out/secreview.db): drafter submits, the
#      保密审查员 reviews, the leader signs, the drafter publishes; a blocked roster is
#      rejected and comes back as a corrected revision;
#   3. the CMS gate (`check`), `ledger verify`, and the inspection audit (台账).
set -u
BIN=${1:-.venv/bin}
cd "$(dirname "$0")/.."
SR="$BIN/secreview"
PY="$BIN/python"
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT/published"
export SECREVIEW_DB="$OUT/secreview.db"

# Bold headings on a terminal only: a log or a pipe gets no escape codes.
if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
say() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

say "1. 试审查（scan，不写台账）：examples/"
"$SR" scan --recursive examples/
echo "(scan exit status $? — 0 all pass, 1 findings need review or block, 2 unreadable input)"

say "2. 建立台账和用户"
"$SR" --as 管理员 init
"$SR" --as 管理员 user add 管理员 --role admin
"$SR" --as 管理员 user add 张拟稿 --role drafter --dept 办公室 --dept 人社局
"$SR" --as 管理员 user add 李审查 --role reviewer
"$SR" --as 管理员 user add 王领导 --role leader --dept 办公室 --dept 人社局
"$SR" --as 管理员 user add 孙审计 --role auditor

say "3. 一般通知：审查通过 → 领导签批 → 发布"
A=$("$SR" --as 张拟稿 submit examples/供暖服务通知.txt --title "关于做好2026年冬季供暖服务保障工作的通知" \
      --dept 办公室 --channel 政府网站 --format json | field id)
echo "提交：$A"
"$SR" --as 王领导 queue
"$SR" --as 王领导 sign "$A" --approve --comment "同意公开"
cp examples/供暖服务通知.txt "$OUT/published/"
"$SR" --as 张拟稿 publish "$A" --channel 政府网站 --url "https://www.example.gov.cn/xxgk/供暖服务通知.txt"

say "4. 补贴名单含完整身份证号：审查员退回 → 脱敏后重新提交 → 签批 → 发布"
B=$("$SR" --as 张拟稿 submit examples/创业补贴发放名单.xlsx --title "2026年第三批一次性创业补贴发放名单" \
      --dept 人社局 --channel 政府网站 --format json | field id)
echo "提交：$B"
"$SR" --as 李审查 queue
"$SR" --as 李审查 show "$B"
"$SR" --as 李审查 review "$B" --reject --comment "身份证号、手机号未脱敏，请按规定处理后重新提交"
"$SR" --as 张拟稿 submit examples/revised/创业补贴发放名单.xlsx --revises "$B"
"$SR" --as 王领导 sign "$B" --approve --comment "已脱敏，同意公开"
cp examples/revised/创业补贴发放名单.xlsx "$OUT/published/"
"$SR" --as 张拟稿 publish "$B" --channel 政府网站 --url "https://www.example.gov.cn/xxgk/创业补贴发放名单.xlsx"

say "5. 带有密级标志的会议纪要：提交即被拦截，不得签批"
C=$("$SR" --as 张拟稿 submit examples/安委会会议纪要.docx --title "区安委会第四次全体会议纪要" \
      --dept 办公室 --format json | field id)
echo "提交：$C"
"$SR" --as 王领导 sign "$C" --approve || echo "(如上：未经保密审查员审查、存在禁止公开的问题，领导不能签批)"
"$SR" --as 李审查 review "$C" --reject --comment "标有密级，不得公开"

say "6. 网站发布前的核验（check）：只有签批过的原文件才放行"
"$SR" check examples/revised/创业补贴发放名单.xlsx; echo "(exit $?)"
"$SR" check examples/创业补贴发放名单.xlsx; echo "(exit $? — 未签批的版本不得发布)"

say "7. 台账校验（ledger verify）"
"$SR" ledger verify

say "8. 定期梳理（sweep）：用今天的规则和模型复查网站目录"
# 模拟网站目录里混入一份从未送审的文件
cp examples/内部情况通报.pdf "$OUT/published/"
"$SR" --as 孙审计 sweep "$OUT/published" || echo "(sweep exit $? — 有需要关注的文件)"

say "9. 保密审查台账（audit）"
YEAR=$(date +%Y)
"$SR" --as 孙审计 audit --from "$YEAR-01-01" --to "$YEAR-12-31" --office 示例县人民政府办公室
"$SR" --as 孙审计 audit --from "$YEAR-01-01" --to "$YEAR-12-31" --office 示例县人民政府办公室 \
    --format pdf -o "$OUT/保密审查台账.pdf"
echo
echo "台账 PDF：$(pwd)/$OUT/保密审查台账.pdf"
