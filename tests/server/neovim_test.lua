-- tests/server/neovim_test.lua - Neovim (headless) as the language
-- server's client: open a file of a small project, type a call of a
-- coroutine function without `await`, wait for the diagnostic Neovim
-- receives, apply the code action that fixes it, and check the buffer.
-- Run by test_neovim.py with ASYNCLINT and PROJECT set; prints "ok ..."
-- lines and exits 0, or prints "FAIL ..." and exits 1.
-- Written for Neovim 0.7 (Debian 12) and later: vim.lsp.start_client.

local bin, root = os.getenv("ASYNCLINT"), os.getenv("PROJECT")
local timeout = tonumber(os.getenv("ASL_NVIM_TIMEOUT") or "30000")

local function say(line)
  io.stdout:write(line .. "\n")
end

local function fail(what)
  say("FAIL " .. what)
  vim.cmd("cquit 1")
end

vim.cmd("edit " .. vim.fn.fnameescape(root .. "/pkg/main.py"))
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({
  name = "asynclint",
  cmd = { bin, "server" },
  root_dir = root,
})
if not client then fail("the client did not start") end
vim.lsp.buf_attach_client(buf, client)

-- Type the unawaited call as the last line of main().
local last = vim.api.nvim_buf_line_count(buf)
vim.api.nvim_buf_set_lines(buf, last, last, false, { "    fetch()" })
vim.api.nvim_win_set_cursor(0, { last + 1, 6 })

local function diags() return vim.diagnostic.get(buf) end
if not vim.wait(timeout, function() return #diags() > 0 end, 20) then
  fail("no diagnostics arrived")
end
local d = diags()[1]
local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
if code ~= "ASL101" or d.lnum ~= last or d.col ~= 4 then
  fail(("unexpected diagnostic %s at %d:%d: %s"):format(tostring(code), d.lnum,
                                                        d.col, d.message))
end
say("ok the diagnostic arrived: " .. d.message)

local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = {} }
local replies = vim.lsp.buf_request_sync(buf, "textDocument/codeAction",
                                         params, timeout)
local fix
for _, reply in pairs(replies or {}) do
  for _, action in ipairs(reply.result or {}) do
    if action.title:find("await", 1, true) then fix = action end
  end
end
if not fix then fail("no code action adds await") end
vim.lsp.util.apply_workspace_edit(fix.edit, "utf-16")
local line = vim.api.nvim_buf_get_lines(buf, last, last + 1, false)[1]
if line ~= "    await fetch()" then fail("after the code action: " .. line) end
say("ok the code action fixed the buffer: " .. line)

if not vim.wait(timeout, function() return #diags() == 0 end, 20) then
  fail("the diagnostic stayed after the fix")
end
say("ok the diagnostic went away")
vim.lsp.stop_client(client)
vim.wait(2000, function() return vim.lsp.client_is_stopped(client) end, 20)
vim.cmd("qall!")
